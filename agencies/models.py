from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import NFCCharField
from core.text import fold
from core.validators import validate_official_email

from .validators import validate_agency_code


class Installation(models.Model):
    """Another installation of the portal (liên thông): a ministry's, a province's own server. Agencies it serves
    receive documents from this one as signed edXML envelopes over HTTPS, and send theirs and their statuses back
    the same way (exchange app). Envelopes from it are accepted only when signed with one of its certificates
    (or by a certificate they issued) and within its rate."""

    code = models.SlugField(_("mã hệ thống"), max_length=50, unique=True,
                            help_text=_("Tên ngắn không dấu, ví dụ “ubnd-nghe-an”."))
    name = NFCCharField(_("tên hệ thống"), max_length=255)
    endpoint = models.URLField(_("địa chỉ nhận gói tin"), max_length=500,
                               help_text=_("Địa chỉ HTTPS nhận gói tin edXML của hệ thống đó, ví dụ "
                                           "https://vanban.nghean.gov.vn/exchange/edxml/."))
    signing_certificates_pem = models.TextField(
        _("chứng thư ký gói tin (PEM)"),
        help_text=_("Chứng thư số mà gói tin từ hệ thống này được ký bằng, hoặc chứng thư của tổ chức cấp chúng."))
    tls_ca_pem = models.TextField(_("chứng thư gốc TLS (PEM)"), blank=True,
                                  help_text=_("Để trống: dùng kho chứng thư gốc của máy chủ."))
    rate_limit_per_minute = models.PositiveIntegerField(_("số gói tin nhận tối đa mỗi phút"), default=120)
    is_active = models.BooleanField(_("đang liên thông"), default=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("hệ thống liên thông")
        verbose_name_plural = _("hệ thống liên thông")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Agency(models.Model):
    """A state agency (cơ quan), identified by its national code; agencies form a tree."""

    code = models.CharField(_("mã định danh"), max_length=13, unique=True, validators=[validate_agency_code])
    name = NFCCharField(_("tên cơ quan"), max_length=255)
    short_name = NFCCharField(
        _("tên viết tắt"), max_length=20, help_text=_("Dùng trong ký hiệu văn bản, ví dụ UBND, BNV.")
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("cơ quan cấp trên"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    official_email = models.EmailField(
        _("thư điện tử chính thức"), validators=[validate_official_email]
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=50, blank=True)
    website = models.URLField(_("trang thông tin điện tử"), blank=True)
    uses_portal = models.BooleanField(
        _("dùng cổng trao đổi"), default=True,
        help_text=_("Cơ quan dùng cổng nhận văn bản trực tiếp; cơ quan khác nhận qua thư điện tử."),
    )
    # Served by another installation of the portal: documents go to it as edXML envelopes (exchange app).
    installation = models.ForeignKey(
        Installation, verbose_name=_("hệ thống liên thông phục vụ cơ quan"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="agencies",
        help_text=_("Để trống nếu cơ quan dùng cổng này hoặc nhận qua thư điện tử."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    search_text = models.TextField(editable=False, default="")
    # The public directory's columns (agencies.directory keeps them): the names of the active agencies above,
    # top first; how many; the folded name; every text its search looks in (trigram-indexed on PostgreSQL).
    # Defaults in the database too: rows written in SQL (bench generators) are valid, then `directory_reindex`.
    directory_path = models.JSONField(editable=False, default=list, db_default=[])
    directory_depth = models.PositiveSmallIntegerField(editable=False, default=0, db_default=0)
    directory_name = models.CharField(editable=False, max_length=255, default="", db_default="")
    directory_text = models.TextField(editable=False, default="", db_default="")

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["name"]
        # The directory's first level (depth 0) and a search's order.
        indexes = [models.Index(fields=["directory_depth", "directory_name"], condition=models.Q(is_active=True),
                                name="agency_directory_order_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    def build_search_text(self):
        return fold(f"{self.name} {self.short_name} {self.code} {self.official_email}")

    def descendant_ids(self):
        """Ids of this agency and every agency below it."""
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.extend(frontier)
        return ids


class DirectoryWord(models.Model):
    """An active agency's folded name from one of its words on ("xa an binh" of "uy ban nhan dan xa an
    binh"), or its folded short name: a directory search of one or two letters finds the agencies with a word
    beginning so, read in order from the index on `text` (agencies.directory keeps the rows; migration 0010)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="directory_words")
    text = models.CharField(max_length=255)

    def __str__(self):
        return self.text


class Unit(models.Model):
    """A unit of an agency (phòng, ban, văn phòng) with the abbreviation used in notations."""

    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="units")
    name = NFCCharField(_("tên đơn vị"), max_length=255)
    abbreviation = models.CharField(
        _("viết tắt"), max_length=20, help_text=_("Dùng trong ký hiệu công văn và dòng “Lưu: VT, VP”.")
    )
    official_email = models.EmailField(
        _("thư điện tử chính thức"), blank=True, validators=[validate_official_email]
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "abbreviation"], name="unit_abbreviation_unique_in_agency"),
        ]

    def __str__(self):
        return f"{self.name} ({self.abbreviation})"


class RecipientGroup(models.Model):
    """A named set of agencies that one line of “Nơi nhận” can stand for.

    Groups without an owner are shared by every agency and kept by the portal's administrators.
    """

    owner = models.ForeignKey(
        Agency, verbose_name=_("cơ quan quản lý nhóm"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="owned_groups",
    )
    name = NFCCharField(_("tên nhóm"), max_length=255)
    members = models.ManyToManyField(Agency, verbose_name=_("cơ quan trong nhóm"), related_name="recipient_groups")
    aliases = models.TextField(
        _("cách viết khác của tên nhóm"), blank=True,
        help_text=_("Mỗi dòng một cách viết thường gặp, ví dụ “Các Bộ, cơ quan ngang Bộ, cơ quan thuộc CP”; "
                    "khi dán khối “Nơi nhận”, dòng viết như vậy được nhận là nhóm này."),
    )

    class Meta:
        verbose_name = _("nhóm nơi nhận")
        verbose_name_plural = _("nhóm nơi nhận")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="recipient_group_name_unique_per_owner"),
        ]

    def __str__(self):
        return self.name

    @property
    def names(self):
        """The group's name and every variant of it kept as an alias."""
        return [self.name, *(line.strip() for line in self.aliases.splitlines() if line.strip())]


class DkimKey(models.Model):
    """An agency's DKIM key for one From domain (khóa DKIM). The private key is kept only as core.crypto
    ciphertext. Rotation uses two selectors: a `next` key is made and published, then switched to `active`
    while the old one becomes `retired` (its DNS record may stay a while for mail still in transit)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("đang dùng")
        NEXT = "next", _("khóa kế tiếp")
        RETIRED = "retired", _("đã thôi dùng")

    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="dkim_keys")
    domain = models.CharField(_("tên miền"), max_length=253)
    selector = models.CharField(_("selector"), max_length=63)
    private_key_encrypted = models.TextField(_("khóa bí mật (đã mã hóa)"), editable=False)
    public_key = models.TextField(_("khóa công khai"), help_text=_("Giá trị p= của bản ghi DNS (base64 DER)."))
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices)
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("khóa DKIM")
        verbose_name_plural = _("khóa DKIM")
        ordering = ["agency", "domain", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "selector"], name="dkim_selector_unique_in_domain"),
            models.UniqueConstraint(fields=["agency", "domain"], condition=models.Q(state="active"),
                                    name="dkim_one_active_key_per_domain"),
            models.UniqueConstraint(fields=["agency", "domain"], condition=models.Q(state="next"),
                                    name="dkim_one_next_key_per_domain"),
        ]

    def __str__(self):
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def dns_name(self):
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def dns_value(self):
        return f"v=DKIM1; k=rsa; p={self.public_key}"
