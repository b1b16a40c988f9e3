"""Clerk actions on deliveries."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Role

from ..models import Delivery

RESENDABLE = (Delivery.Status.FAILED, Delivery.Status.UNCERTAIN)


@transaction.atomic
def delivery_resend(*, membership, delivery, email):
    """A failed (or uncertain) e-mail delivery goes out again, to a corrected address if given."""
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related("outgoing").get(pk=delivery.pk)
    if not (membership.has_role(Role.CLERK) and membership.agency_id == delivery.outgoing.agency_id):
        raise PermissionDenied(_("Chỉ văn thư của cơ quan ban hành được gửi lại."))
    if delivery.channel != Delivery.Channel.EMAIL or delivery.status not in RESENDABLE:
        raise ValidationError(_("Chỉ gửi lại được lượt gửi thư điện tử đã thất bại hoặc chưa rõ kết quả."))
    previous = delivery.email
    delivery.email = email.strip().lower()
    delivery.status, delivery.next_attempt_at, delivery.claimed_at = Delivery.Status.PENDING, None, None
    delivery.attempts = 0
    delivery.message_id = ""
    if previous != delivery.email:
        delivery.note = _("Địa chỉ đã sửa từ %(old)s.") % {"old": previous}
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        raise ValidationError(_("Văn bản đã có lượt gửi tới địa chỉ %(email)s.") % {"email": delivery.email}) from None
    from ..tasks import deliveries_send_email

    transaction.on_commit(lambda: deliveries_send_email.delay([delivery.pk]), robust=True)
    return delivery
