"""Vocabulary shared by outgoing and incoming documents (Decree 30/2020/NĐ-CP)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    """Types of administrative documents; the value is the Annex III abbreviation."""

    CONG_VAN = "CV", _("Công văn")
    NGHI_QUYET = "NQ", _("Nghị quyết")
    QUYET_DINH = "QĐ", _("Quyết định")
    CHI_THI = "CT", _("Chỉ thị")
    QUY_CHE = "QC", _("Quy chế")
    QUY_DINH = "QyĐ", _("Quy định")
    THONG_CAO = "TC", _("Thông cáo")
    THONG_BAO = "TB", _("Thông báo")
    HUONG_DAN = "HD", _("Hướng dẫn")
    CHUONG_TRINH = "CTr", _("Chương trình")
    KE_HOACH = "KH", _("Kế hoạch")
    PHUONG_AN = "PA", _("Phương án")
    DE_AN = "ĐA", _("Đề án")
    DU_AN = "DA", _("Dự án")
    BAO_CAO = "BC", _("Báo cáo")
    BIEN_BAN = "BB", _("Biên bản")
    TO_TRINH = "TTr", _("Tờ trình")
    HOP_DONG = "HĐ", _("Hợp đồng")
    CONG_DIEN = "CĐ", _("Công điện")
    BAN_GHI_NHO = "BGN", _("Bản ghi nhớ")
    BAN_THOA_THUAN = "BTT", _("Bản thỏa thuận")
    GIAY_UY_QUYEN = "GUQ", _("Giấy ủy quyền")
    GIAY_MOI = "GM", _("Giấy mời")
    GIAY_GIOI_THIEU = "GGT", _("Giấy giới thiệu")
    GIAY_NGHI_PHEP = "GNP", _("Giấy nghỉ phép")
    PHIEU_GUI = "PG", _("Phiếu gửi")
    PHIEU_CHUYEN = "PC", _("Phiếu chuyển")
    PHIEU_BAO = "PB", _("Phiếu báo")
    THU_CONG = "THU", _("Thư công")

    @property
    def abbreviation(self):
        """The type part of the notation; công văn and thư công have none."""
        return "" if self in (DocumentType.CONG_VAN, DocumentType.THU_CONG) else self.value


class EdxmlStatus(models.TextChoices):
    """Every status code of edXML (QCVN 102:2016/BTTTT) a recipient sends back to the sender: an incoming
    document's own states (01–06, 13) and the answers to a recall or an update (15, 16)."""

    ARRIVED = "01", _("Đã đến")
    REFUSED = "02", _("Từ chối")
    ACCEPTED = "03", _("Đã tiếp nhận")
    ASSIGNED = "04", _("Đã phân công")
    IN_PROGRESS = "05", _("Đang xử lý")
    DONE = "06", _("Hoàn thành")
    RECALLED = "13", _("Đã thu hồi")
    REVISION_AGREED = "15", _("Đồng ý thu hồi, cập nhật")
    REVISION_REFUSED = "16", _("Từ chối thu hồi, cập nhật")


class Secrecy(models.TextChoices):
    NONE = "", _("Thường")
    MAT = "mat", _("Mật")
    TOI_MAT = "toi_mat", _("Tối mật")
    TUYET_MAT = "tuyet_mat", _("Tuyệt mật")


class Urgency(models.TextChoices):
    NONE = "", _("Thường")
    KHAN = "khan", _("Khẩn")
    THUONG_KHAN = "thuong_khan", _("Thượng khẩn")
    HOA_TOC = "hoa_toc", _("Hỏa tốc")


def notation_for(doc_type, agency_short_name, unit_abbreviation, number):
    """Number and notation per Decree 30: 15/QĐ-BNV, and for a công văn 05/BNV-VP."""
    doc_type = DocumentType(doc_type)
    if doc_type.abbreviation:
        return f"{number:02d}/{doc_type.abbreviation}-{agency_short_name}"
    return f"{number:02d}/{agency_short_name}-{unit_abbreviation}"
