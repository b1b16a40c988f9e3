"""Writing actions on accounts: inviting staff, changing their posts, accepting invitations."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from core.mail_headers import PolicyEmailMessage

from .models import Membership, Role, User

MEMBERSHIP_FIELDS = ("unit", "position", "official_email", "is_public", "is_active", "is_chief_of_office",
                     "is_schedule_keeper", *Membership.ROLE_FIELDS.values())


def _ensure_admin_of(admin, agency):
    if not (admin.has_role(Role.ADMIN) and admin.agency_id == agency.pk and admin.is_active):
        raise PermissionDenied(_("Chỉ quản trị của cơ quan mới được quản lý cán bộ của cơ quan đó."))


def _check_unit(agency, unit):
    if unit is not None and unit.agency_id != agency.pk:
        raise ValidationError({"unit": _("Đơn vị không thuộc cơ quan này.")})


def invitation_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("invitation_accept", kwargs={"uidb64": uid, "token": token})


def invitation_send(membership):
    """E-mail the staff member a one-time link to set their password."""
    user = membership.user
    context = {"membership": membership, "user": user, "link": invitation_link(user)}
    PolicyEmailMessage(
        subject=render_to_string("accounts/email/invitation_subject.txt", context).strip(),
        body=render_to_string("accounts/email/invitation_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    ).send()


def post_added_send(membership):
    """Tell a person who already has an account that they now also serve another agency."""
    context = {"membership": membership, "user": membership.user, "link": settings.SITE_URL + reverse("dashboard")}
    PolicyEmailMessage(
        subject=render_to_string("accounts/email/post_added_subject.txt", context).strip(),
        body=render_to_string("accounts/email/post_added_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[membership.user.email],
    ).send()


@transaction.atomic
def staff_invite(*, admin, agency, email, full_name, **post):
    """Add a staff member to the admin's agency and send an invitation.

    A person already on the portal as staff gets a second post (one person may serve two
    agencies); a citizen account cannot be turned into staff this way.
    """
    _ensure_admin_of(admin, agency)
    _check_unit(agency, post.get("unit"))
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=full_name, kind=User.Kind.STAFF)
    elif user.kind != User.Kind.STAFF:
        raise ValidationError({"email": _("Địa chỉ này đã được dùng cho tài khoản công dân, không thể mời làm cán bộ.")})
    elif Membership.objects.filter(user=user, agency=agency).exists():
        raise ValidationError({"email": _("Người này đã là cán bộ của cơ quan.")})
    membership = Membership(user=user, agency=agency, **{k: v for k, v in post.items() if k in MEMBERSHIP_FIELDS})
    membership.full_clean()
    membership.save()
    if user.has_usable_password():
        transaction.on_commit(lambda: post_added_send(membership))
    else:
        transaction.on_commit(lambda: invitation_send(membership))
    return membership


@transaction.atomic
def staff_update(*, admin, membership, **changes):
    """Change a staff member's unit, roles, position or visibility in the admin's own agency."""
    _ensure_admin_of(admin, membership.agency)
    _check_unit(membership.agency, changes.get("unit"))
    role_fields = Membership.ROLE_FIELDS.values()
    if membership.user_id == admin.user_id and any(
        field in changes and changes[field] != getattr(membership, field) for field in role_fields
    ):
        # Nobody raises their own rights: another admin of the agency changes an admin's roles.
        raise ValidationError({"roles": _("Quản trị không thể tự thay đổi vai trò của chính mình.")})
    for field, value in changes.items():
        if field in MEMBERSHIP_FIELDS:
            setattr(membership, field, value)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def invitation_accept(*, user, password):
    """Set the invited person's password; the link proved they own the address."""
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )
    return user
