"""The demo data set: real agency names, plausible codes and gov.vn addresses."""

DEMO_PASSWORD = "Demo@2026"

# code, name, short name, parent code, domain, uses the portal, units [(name, abbreviation)]
AGENCIES = [
    ("000.00.00.G22", "Văn phòng Chính phủ", "VPCP", None, "vpcp.gov.vn", True,
     [("Vụ Hành chính", "HC"), ("Vụ Tổng hợp", "TH"), ("Cục Kiểm soát thủ tục hành chính", "KSTT")]),
    ("000.00.00.G09", "Bộ Nội vụ", "BNV", None, "moha.gov.vn", True,
     [("Văn phòng Bộ", "VP"), ("Vụ Tổ chức cán bộ", "TCCB"), ("Vụ Công chức – Viên chức", "CCVC")]),
    ("000.00.00.G14", "Bộ Thông tin và Truyền thông", "BTTTT", None, "mic.gov.vn", True,
     [("Văn phòng Bộ", "VP"), ("Cục Chuyển đổi số quốc gia", "CĐSQG"), ("Vụ Pháp chế", "PC")]),
    ("000.00.00.H34", "Ủy ban nhân dân tỉnh Kon Tum", "UBND", None, "kontum.gov.vn", True,
     [("Văn phòng", "VP"), ("Phòng Khoa giáo – Văn xã", "KGVX"), ("Phòng Kinh tế", "KT")]),
    ("000.00.15.H34", "Sở Thông tin và Truyền thông tỉnh Kon Tum", "STTTT", "000.00.00.H34", "stttt.kontum.gov.vn", True,
     [("Văn phòng Sở", "VP"), ("Phòng Bưu chính, Viễn thông và Công nghệ thông tin", "BCVT")]),
    ("000.00.00.H55", "Ủy ban nhân dân tỉnh Quảng Ngãi", "UBND", None, "quangngai.gov.vn", True,
     [("Văn phòng", "VP"), ("Phòng Văn xã", "VX")]),
    ("000.00.00.H40", "Ủy ban nhân dân tỉnh Nghệ An", "UBND", None, "nghean.gov.vn", False,
     [("Văn phòng", "VP")]),
]

# role login prefix, roles, position, public in the directory
STAFF = [
    ("lanhdao", {"is_leader": True}, "Giám đốc", True),
    ("vanthu", {"is_clerk": True}, "Văn thư", False),
    ("chuyenvien", {"is_specialist": True}, "Chuyên viên", False),
    ("quantri", {"is_agency_admin": True}, "Quản trị hệ thống", False),
]

LEADER_TITLES = {"VPCP": "Bộ trưởng, Chủ nhiệm", "BNV": "Bộ trưởng", "BTTTT": "Thứ trưởng", "UBND": "Chủ tịch"}

PEOPLE = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Quốc Dũng", "Hoàng Thị Hà", "Vũ Đức Hải",
          "Đặng Thu Hương", "Bùi Văn Khánh", "Đỗ Thị Lan", "Hồ Ngọc Minh", "Ngô Thanh Nam", "Dương Thị Oanh",
          "Lý Văn Phúc", "Mai Thị Quyên", "Trịnh Công Sơn", "Phan Thị Thảo", "Võ Văn Tùng", "Đinh Thị Uyên",
          "Lương Văn Vinh", "Tạ Thị Xuân", "Châu Minh Yên", "Kiều Văn Bảo", "Quách Thị Cúc", "Tôn Đức Duy"]

GROUPS = [
    ("Các Bộ, cơ quan ngang Bộ", ["000.00.00.G09", "000.00.00.G14"]),
    ("UBND các tỉnh, thành phố trực thuộc TW", ["000.00.00.H34", "000.00.00.H55", "000.00.00.H40"]),
]

CITIZEN = ("congdan@example.com", "Nguyễn Thị Mai")
SUPERUSER = "admin@portal.gov.vn"

# The weekly work schedule (issue 14): every clerk keeps their agency's schedule; this agency's current week is
# published with a few entries: (day from Monday, from, to, content, place, internal).
SCHEDULE_AGENCY = "000.00.00.H34"
SCHEDULE_ENTRIES = [
    (0, "07:30", "09:00", "Giao ban lãnh đạo UBND tỉnh đầu tuần", "Phòng họp số 1, trụ sở UBND tỉnh", False),
    (1, "14:00", "17:00", "Làm việc với Sở Thông tin và Truyền thông về chuyển đổi số", "Phòng họp số 2", False),
    (2, "08:00", "11:00", "Họp bàn công tác cán bộ", "Phòng họp Thường trực", True),
    (3, "08:00", "", "Tiếp công dân định kỳ", "Trụ sở Tiếp công dân tỉnh", False),
]
