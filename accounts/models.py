from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import NFCCharField
from core.validators import validate_official_email


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address: a civil servant or a citizen/business."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Cán bộ, công chức")
        CITIZEN = "citizen", _("Công dân, doanh nghiệp")

    email = models.EmailField(_("địa chỉ e-mail đăng nhập"), unique=True)
    full_name = NFCCharField(_("họ và tên"), max_length=150)
    kind = models.CharField(_("loại tài khoản"), max_length=10, choices=Kind.choices, default=Kind.CITIZEN)
    organization = NFCCharField(
        _("tổ chức, doanh nghiệp"), max_length=255, blank=True,
        help_text=_("Tên doanh nghiệp hoặc tổ chức, nếu đăng ký thay mặt tổ chức."),
    )
    phone = models.CharField(_("điện thoại"), max_length=50, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    is_staff = models.BooleanField(
        _("được vào trang quản trị hệ thống"), default=False,
        help_text=_("Chỉ dành cho quản trị viên kỹ thuật của cổng."),
    )
    date_joined = models.DateTimeField(_("ngày tạo"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.rsplit(" ", 1)[-1] if self.full_name else self.email

    @property
    def is_citizen(self):
        return self.kind == self.Kind.CITIZEN


class Role(models.TextChoices):
    CLERK = "clerk", _("Văn thư")
    LEADER = "leader", _("Lãnh đạo")
    SPECIALIST = "specialist", _("Chuyên viên")
    ADMIN = "admin", _("Quản trị cơ quan")


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True, agency__is_active=True)

class Membership(models.Model):
    """A staff member's place in one agency: unit, roles and position. One person may serve two agencies."""

    ROLE_FIELDS = {
        Role.CLERK: "is_clerk",
        Role.LEADER: "is_leader",
        Role.SPECIALIST: "is_specialist",
        Role.ADMIN: "is_agency_admin",
    }

    user = models.ForeignKey(User, verbose_name=_("cán bộ"), on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        "agencies.Unit", verbose_name=_("đơn vị"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="memberships",
    )
    position = NFCCharField(
        _("chức vụ"), max_length=100, blank=True,
        help_text=_("Ví dụ: Chủ tịch, Giám đốc, Phó Giám đốc, Chánh Văn phòng. Dùng làm thông tin người ký."),
    )
    official_email = models.EmailField(
        _("thư điện tử công vụ"), blank=True, validators=[validate_official_email]
    )
    is_clerk = models.BooleanField(Role.CLERK.label, default=False)
    is_leader = models.BooleanField(Role.LEADER.label, default=False)
    is_specialist = models.BooleanField(Role.SPECIALIST.label, default=False)
    is_agency_admin = models.BooleanField(Role.ADMIN.label, default=False)
    # Not a role: the chief of office (Chánh Văn phòng) also holds one of the roles above. Missed mailbox
    # checks are theirs to follow up, and they (with leaders) see per-person figures in reports.
    is_chief_of_office = models.BooleanField(
        _("Chánh Văn phòng"), default=False,
        help_text=_("Theo dõi việc kiểm tra hộp thư và xem số liệu theo từng cán bộ."),
    )
    # Not a role either: the office staff (often the Văn phòng's clerk) who draft the weekly work schedule.
    is_schedule_keeper = models.BooleanField(
        _("soạn lịch công tác"), default=False,
        help_text=_("Soạn lịch công tác tuần của cơ quan và trình lãnh đạo duyệt."),
    )
    is_public = models.BooleanField(
        _("công khai trong danh bạ"), default=False,
        help_text=_("Hiện họ tên, chức vụ và thư điện tử công vụ trong danh bạ công khai."),
    )
    is_active = models.BooleanField(_("đang công tác"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("vị trí công tác")
        verbose_name_plural = _("vị trí công tác")
        ordering = ["agency__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="membership_one_per_agency"),
            models.CheckConstraint(
                condition=Q(is_clerk=True) | Q(is_leader=True) | Q(is_specialist=True) | Q(is_agency_admin=True),
                name="membership_has_a_role",
                violation_error_message=_("Cán bộ phải có ít nhất một vai trò."),
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.agency.short_name}"

    @property
    def roles(self):
        return [role for role, field in self.ROLE_FIELDS.items() if getattr(self, field)]

    def has_role(self, *roles):
        return any(getattr(self, self.ROLE_FIELDS[role]) for role in roles)

    def role_label_list(self):
        return [Role(role).label for role in self.roles]

    def role_labels(self):
        return ", ".join(str(label) for label in self.role_label_list())
