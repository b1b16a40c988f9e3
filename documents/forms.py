from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, RecipientGroup, Unit

from .models import Incoming, Outgoing, Recipient
from .selectors import signers_for


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class OutgoingForm(forms.ModelForm):
    main_file = forms.FileField(label=_("Tệp văn bản chính (PDF)"), required=False,
                                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))
    attachments = MultipleFileField(label=_("Phụ lục, tài liệu kèm theo (PDF, có thể chọn nhiều tệp)"),
                                    required=False, widget=MultipleFileInput(attrs={"accept": "application/pdf,.pdf"}))

    class Meta:
        model = Outgoing
        fields = ["doc_type", "summary", "secrecy", "urgency", "drafting_unit", "signer", "signer_authority",
                  "signer_position", "archive_copies", "also_on_paper"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}
        labels = {"signer_authority": _("Thẩm quyền ký (KT., TM., Q., TL., TUQ.)"),
                  "signer_position": _("Chức danh in trong khối chữ ký")}
        help_texts = {
            "signer_authority": _("Để trống khi người đứng đầu tự ký. Cấp phó ký thay người đứng đầu chọn KT."),
            "signer_position": _("Với KT., TM., TL., TUQ., Q.: chức danh được ký thay, ví dụ “CHỦ TỊCH” "
                                 "(dòng dưới in chức vụ của người ký). Để trống: in chức vụ của người ký."),
        }

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["drafting_unit"].queryset = Unit.objects.filter(agency=agency, is_active=True)
        self.fields["signer"].queryset = signers_for(agency)
        self.fields["signer"].label_from_instance = lambda m: f"{m.user.full_name} – {m.position}"
        if not self.instance.pk:
            self.fields["main_file"].required = True

    def draft_data(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


MM = 72 / 25.4
# Where the keyboard puts the signer's place: (share of the page's width, height above the bottom edge as a
# share of the page's height, or None for the default 65 mm).
PLACE_PRESETS = {
    "right-low": (_("Cột phải, cuối trang (mặc định)"), 0.72, None),
    "right-middle": (_("Cột phải, giữa trang"), 0.72, 0.45),
    "right-high": (_("Cột phải, nửa trên trang"), 0.72, 0.7),
    "centre-low": (_("Giữa trang, cuối trang"), 0.5, None),
    "left-low": (_("Cột trái, cuối trang"), 0.28, None),
}


class PlaceForm(forms.Form):
    """The signer's place: a click on a page image (the browser sends place.x and place.y, no script) or,
    from the keyboard, a page and a position; or back to the default."""

    page = forms.TypedChoiceField(label=_("Trang"), coerce=int)
    position = forms.ChoiceField(label=_("Vị trí trên trang"), required=False,
                                 choices=[(key, label) for key, (label, _x, _y) in PLACE_PRESETS.items()])

    def __init__(self, data=None, *, pages, **kwargs):
        super().__init__(data, **kwargs)
        self.pages = pages
        self.fields["page"].choices = [(page.index, _("Trang %(n)s") % {"n": page.index + 1}) for page in pages]
        self.clicked = None
        if data is not None and "place.x" in data:
            try:
                self.clicked = float(data["place.x"]), float(data["place.y"])
            except (KeyError, ValueError):
                self.clicked = None

    def place(self):
        """{"page", "x", "y"} in PDF points, or None for the default place."""
        data = self.cleaned_data
        if self.data.get("reset"):
            return None
        page = self.pages[data["page"]]
        if self.clicked is not None:
            x, y = page.point_at(*self.clicked)
        else:
            _label, share_x, share_y = PLACE_PRESETS[data.get("position") or "right-low"]
            x = page.x0 + share_x * page.width
            y = page.y0 + (share_y * page.height if share_y is not None else 65 * MM)
        return {"page": page.index, "x": round(x, 1), "y": round(y, 1)}


class RecipientForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Recipient.Role.choices, initial=Recipient.Role.NOI_NHAN)
    kind = forms.ChoiceField(label=_("Loại nơi nhận"), choices=Recipient.Kind.choices)
    agency = forms.ModelChoiceField(label=_("Cơ quan"), queryset=Agency.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=Unit.objects.none(), required=False)
    group = forms.ModelChoiceField(label=_("Nhóm"), queryset=RecipientGroup.objects.none(), required=False)
    name = forms.CharField(label=_("Tên người nhận"), max_length=255, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    dossier = forms.CharField(label=_("Số hồ sơ (nếu có)"), max_length=100, required=False)

    # The kinds each field is for; a form marked data-portal-kind-fields shows only those (portal.js).
    KINDS_OF_FIELD = {"agency": ["agency"], "unit": ["unit"], "group": ["group"],
                      "name": ["email", "citizen", "paper"], "email": ["email", "citizen"],
                      "dossier": ["citizen", "paper"]}

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = choices["agencies"]
        self.fields["unit"].queryset = choices["units"]
        self.fields["group"].queryset = choices["groups"]
        for name, kinds in self.KINDS_OF_FIELD.items():
            self.fields[name].widget.attrs["data-kinds"] = " ".join(kinds)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        needed = {"agency": "agency", "unit": "unit", "group": "group", "email": "email", "citizen": "email"}
        field = needed.get(kind)
        if field and not data.get(field):
            self.add_error(field, _("Hãy chọn hoặc nhập nơi nhận."))
        if kind in ("email", "citizen", "paper") and not data.get("name"):
            self.add_error("name", _("Hãy nhập tên người hoặc tổ chức nhận."))
        return data

    def recipient_data(self):
        data = dict(self.cleaned_data)
        return {k: v for k, v in data.items() if v not in (None, "") or k in ("role", "kind")}


class LineMapForm(RecipientForm):
    """Map one pasted line that matched nothing; the ids carry the line, so many forms share a page."""

    def __init__(self, *args, line, choices, **kwargs):
        super().__init__(*args, choices=choices, auto_id=f"line-{line.pk}-%s", **kwargs)
        del self.fields["role"]
        self.fields["kind"].label = _("Ghép thành")


class LineDismissForm(forms.Form):
    reason = forms.CharField(label=_("Lý do bỏ qua"), max_length=500,
                             help_text=_("Ví dụ: đã gửi bản giấy riêng; trùng với dòng khác."))

    def __init__(self, *args, line, **kwargs):
        super().__init__(*args, auto_id=f"line-{line.pk}-dismiss-%s", **kwargs)


class DraftRecipientsForm(forms.Form):
    """Recipients chosen on the screen that creates a draft: agencies and groups of the directory, or a
    pasted “Nơi nhận” block; more can be added on the draft's own page."""

    agencies = forms.ModelMultipleChoiceField(
        label=_("Nơi nhận: cơ quan trong danh bạ"), queryset=Agency.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "portal-checklist"}))
    groups = forms.ModelMultipleChoiceField(
        label=_("Nơi nhận: nhóm"), queryset=RecipientGroup.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "portal-checklist"}))
    text = forms.CharField(label=_("Hoặc dán khối “Nơi nhận:”"), required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, prefix="to", **kwargs)
        self.fields["agencies"].queryset = choices["agencies"]
        self.fields["groups"].queryset = choices["groups"]
        self.fields["agencies"].filterable = self.fields["groups"].filterable = True

    def recipients(self):
        return ([{"kind": Recipient.Kind.AGENCY, "agency": agency} for agency in self.cleaned_data["agencies"]]
                + [{"kind": Recipient.Kind.GROUP, "group": group} for group in self.cleaned_data["groups"]])


class PasteForm(forms.Form):
    text = forms.CharField(label=_("Dán khối “Nơi nhận:”"), widget=forms.Textarea(attrs={
        "rows": 6, "data-testid": "paste-text",
        "placeholder": "Nơi nhận:\n- Như trên;\n- Bộ Nội vụ;\n- Lưu: VT, VP (2b)."}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResendForm(forms.Form):
    email = forms.EmailField(label=_("Địa chỉ thư điện tử"))
    # An uncertain delivery may already have arrived: sent again only when the clerk ticks this.
    confirm_uncertain = forms.BooleanField(
        label=_("Tôi đã kiểm tra với nơi nhận; vẫn gửi lại dù nơi nhận có thể đã nhận được."), required=False)


class IncomingMetadataForm(forms.ModelForm):
    """What the clerk confirms when registering: prefilled from the source."""

    confirm_duplicate = forms.BooleanField(label=_("Vẫn vào sổ dù trùng số, ký hiệu"), required=False,
                                           widget=forms.HiddenInput)

    class Meta:
        model = Incoming
        fields = ["sender_agency", "sender_name", "notation", "doc_date", "doc_type", "summary", "secrecy", "urgency",
                  "note"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}), "note": forms.Textarea(attrs={"rows": 2}),
                   "doc_date": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})}
        help_texts = {"sender_agency": _("Chọn nếu cơ quan có trong danh bạ; nếu không, ghi tên ở ô dưới.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sender_agency"].queryset = Agency.objects.filter(is_active=True).order_by("name")
        self.fields["sender_agency"].required = False
        self.fields["sender_name"].required = False

    def clean(self):
        data = super().clean()
        if not data.get("sender_agency") and not data.get("sender_name"):
            self.add_error("sender_name", _("Ghi tên cơ quan ban hành hoặc chọn trong danh bạ."))
        return data

    def metadata(self):
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["confirm_duplicate"] = self.cleaned_data.get("confirm_duplicate", False)
        return data


class PaperForm(IncomingMetadataForm):
    scans = MultipleFileField(label=_("Bản quét (PDF, JPEG, PNG hoặc TIFF; tệp đầu là văn bản chính)"))

    field_order = ["scans"]


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Lý do từ chối"), widget=forms.Textarea(attrs={"rows": 2}))


class TextForm(forms.Form):
    text = forms.CharField(label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 3}))


class ChecklistField(forms.MultipleChoiceField):
    """Ticked boxes in a list with a search box above it (static/portal/portal.js), not a Ctrl-click select."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "portal-checklist"})
    filterable = True


class RouteForm(forms.Form):
    lead = forms.ChoiceField(label=_("Chủ trì"))
    cooperate = ChecklistField(label=_("Phối hợp"), required=False)
    inform = ChecklistField(label=_("Để biết"), required=False)
    instructions = forms.CharField(label=_("Ý kiến chỉ đạo"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("Hạn xử lý"), required=False,
                               widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
                               help_text=_("Để trống: tính theo độ khẩn."))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {f"u{u.pk}": u for u in choices["units"]}
        self.members = {f"m{m.pk}": m for m in choices["members"]}
        options = [
            (_("Đơn vị"), [(key, unit.name) for key, unit in self.units.items()]),
            (_("Cán bộ"), [(key, f"{m.user.full_name} – {m.position or m.role_labels()}")
                           for key, m in self.members.items()]),
        ]
        for name in ("lead", "cooperate", "inform"):
            self.fields[name].choices = options
        self.fields["lead"].choices = [("", "—")] + options

    def _split(self, keys):
        return [self.units[k] for k in keys if k in self.units], [self.members[k] for k in keys if k in self.members]

    def routing(self):
        data = self.cleaned_data
        lead_units, lead_members = self._split([data["lead"]])
        cooperate_units, cooperate_members = self._split(data["cooperate"])
        inform_units, inform_members = self._split(data["inform"])
        return {
            "lead_unit": lead_units[0] if lead_units else None,
            "lead_member": lead_members[0] if lead_members else None,
            "cooperate_units": cooperate_units, "cooperate_members": cooperate_members,
            "inform_units": inform_units, "inform_members": inform_members,
            "instructions": data["instructions"], "due_date": data["due_date"],
        }
