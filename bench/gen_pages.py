"""Real-shaped documents for the page benchmark (bench_pages.py): a ministry of 100 agencies, 1 M or 10 M documents.

Generated in SQL (generate_series, INSERT … SELECT, triggers off for the bulk load, VACUUM ANALYZE of every table
after) and kept between runs: a run that finds the marker row of its scale reuses the data.

Shape, unlike the report benchmark's generator: agencies are unequal (agency k gets a share ∝ the square law, the
largest about 10 % of everything — the clerk, leader and specialist measured work there), each document draws its
own type, paper flag, urgency and secrecy, every number is in its agency's register (register_id, numbers counted
per register and year), deliveries are 1–5 per document (2 % failed, each failure an incident, resolved unless
recent), incoming documents have a lead unit and often a specialist in charge, every file has a row of extracted
text (ocr.FileText), the big agency has 300 staff, and the directory holds 100,000 agencies with two units each.
"""

import contextlib
import os
import time

from django.db import connection

MINISTRY_CODE = "000.00.00.P17"
AGENCIES = 100
DIRECTORY_AGENCIES = 100_000
UNITS = (("Văn phòng", "VP"), ("Vụ Tổng hợp", "TH"), ("Vụ Kế hoạch - Tài chính", "KH"), ("Vụ Pháp chế", "PC"),
         ("Vụ Tổ chức cán bộ", "TC"))
BIG_STAFF = 300
SMALL_STAFF = 10
DETAIL_DELIVERIES = 200
CLERK_EMAIL, LEADER_EMAIL, SPECIALIST_EMAIL = ("vanthu@p17.bench.gov.vn", "lanhdao@p17.bench.gov.vn",
                                               "chuyenvien@p17.bench.gov.vn")
SCALES = {"1m": 1_000_000, "10m": 10_000_000, "tiny": 20_000}
# Characters of extracted text per file. At 10 M the text is shorter (a first page's heading and abstract): with
# 700 characters the database would need ≈ 80 GB (8 GB at 1 M: the text is stored in ocr_filetext and again, folded,
# in search_entry), more than this machine's disk has free.
TEXT_CHARS = {"1m": 700, "10m": 250, "tiny": 700}

# Words of official letters: the files' text and the summaries are cut from this at random places.
CORPUS = (
    "Thực hiện chỉ đạo của Thủ tướng Chính phủ về công tác phòng, chống thiên tai và tìm kiếm cứu nạn năm 2026, "
    "Bộ đề nghị các cơ quan, đơn vị khẩn trương rà soát kế hoạch, bố trí lực lượng, phương tiện, vật tư, bảo đảm "
    "an toàn cho người và tài sản của Nhà nước và nhân dân. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn "
    "phòng, Vụ trưởng Vụ Tổ chức cán bộ, Thủ trưởng các đơn vị có liên quan chịu trách nhiệm thi hành Quyết định "
    "này. Báo cáo kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội sáu tháng đầu năm, phương hướng nhiệm vụ "
    "sáu tháng cuối năm; tăng cường kỷ luật, kỷ cương hành chính, cải cách thủ tục hành chính, chuyển đổi số, "
    "xây dựng Chính phủ điện tử hướng tới Chính phủ số; thanh tra, kiểm tra việc quản lý, sử dụng ngân sách, tài "
    "sản công; tổ chức hội nghị tổng kết công tác năm và triển khai nhiệm vụ năm tới; giao chỉ tiêu biên chế "
    "công chức, số lượng người làm việc trong các đơn vị sự nghiệp công lập; hướng dẫn thực hiện chế độ tiền "
    "lương, phụ cấp, bảo hiểm xã hội; mời dự họp trực tuyến về công tác phòng cháy, chữa cháy; tờ trình phê "
    "duyệt đề án sắp xếp tổ chức bộ máy tinh gọn, hoạt động hiệu lực, hiệu quả. "
)

# Places named in the documents: 40 × 40 two-syllable names, so that a pair of words ("tân phú") is as selective as
# a commune's name is in real letters (about 1 document in 1,600) while each syllable alone is common (1 in 40).
PLACE_FIRST = ("Tân", "Hòa", "Phú", "An", "Bình", "Thạnh", "Long", "Phước", "Vĩnh", "Mỹ", "Đông", "Tây", "Nam",
               "Bắc", "Trung", "Hưng", "Thuận", "Đức", "Quảng", "Hải", "Sơn", "Thanh", "Kim", "Ngọc", "Hồng",
               "Minh", "Quang", "Xuân", "Thọ", "Lộc", "Phong", "Gia", "Cẩm", "Yên", "Lạc", "Đại", "Hiệp", "Tiến",
               "Thắng", "Lương")
PLACE_SECOND = ("Phú", "Hòa", "Lợi", "Thịnh", "An", "Lập", "Hưng", "Bình", "Thành", "Khánh", "Điền", "Trạch", "Lâm",
                "Sơn", "Hải", "Giang", "Xuyên", "Châu", "Đồng", "Mỹ", "Nghĩa", "Tín", "Thuận", "Phước", "Định",
                "Quý", "Trung", "Tường", "Vinh", "Long", "Cường", "Thái", "Dương", "Hà", "Lĩnh", "Ninh", "Hợp",
                "Tân", "Đạt", "Kiều")


def _file_text(file_id, spread, step):
    """SQL of a generated file's text (as ocr_filetext holds it): a commune's name, then `text_chars` of the corpus
    from one of 1,400 offsets. The search load (SEARCH_PARTS) folds each commune and each offset once and joins them
    on the same expressions instead of folding every row's text."""
    return (f"'Xã ' || (%(first)s::text[])[1 + {_place_first(file_id, spread)}] || ' ' || "
            f"(%(second)s::text[])[1 + {_place_second(file_id, spread)}] || '. ' || "
            f"substr(%(corpus)s::text, 1 + {_offset(file_id, step)}, %(text_chars)s)")


def _place_first(file_id, spread):
    return f"({file_id} * {spread}) %% 40"


def _place_second(file_id, spread):
    return f"({file_id} * {spread} / 40) %% 40"


def _offset(file_id, step):
    return f"(({file_id} * {step}) %% 1400)::int"


# (spread, step) of each kind's file text.
IN_TEXT, OUT_TEXT = (4001, 37), (3001, 41)

# Outgoing and incoming are generated at the same time, each by its own connection (_load_in_parallel), after the
# same setup: the lookup tables of the ministry's agencies, units, registers and staff.
GENERATE_SETUP = """
CREATE TEMP TABLE pg_agency AS
    SELECT row_number() OVER (ORDER BY code) - 1 AS idx, id FROM agencies_agency
    WHERE code = %(ministry)s OR parent_id = (SELECT id FROM agencies_agency WHERE code = %(ministry)s);
CREATE TEMP TABLE pg_unit AS
    SELECT a.idx, row_number() OVER (PARTITION BY u.agency_id ORDER BY u.abbreviation) - 1 AS uidx, u.id
    FROM agencies_unit u JOIN pg_agency a ON a.id = u.agency_id;
CREATE TEMP TABLE pg_register AS
    SELECT r.agency_id, r.kind, r.id FROM documents_register r JOIN pg_agency a ON a.id = r.agency_id;
CREATE TEMP TABLE pg_staff AS
    SELECT m.agency_id, m.unit_id, row_number() OVER (PARTITION BY m.unit_id ORDER BY m.id) - 1 AS sidx, m.id,
           m.user_id, count(*) OVER (PARTITION BY m.unit_id) AS n
    FROM accounts_membership m JOIN pg_agency a ON a.id = m.agency_id WHERE m.is_specialist;
CREATE TEMP TABLE pg_leader AS
    SELECT DISTINCT ON (m.agency_id) m.agency_id, m.id, m.user_id FROM accounts_membership m
    JOIN pg_agency a ON a.id = m.agency_id WHERE m.is_leader ORDER BY m.agency_id, m.id;
CREATE TEMP TABLE pg_unit_n AS SELECT unit_id, max(n) AS n FROM pg_staff GROUP BY unit_id;
ANALYZE pg_agency; ANALYZE pg_unit; ANALYZE pg_unit_n; ANALYZE pg_register; ANALYZE pg_staff; ANALYZE pg_leader;
"""

GENERATE_OUTGOING = """
SELECT setseed(0.17);
-- Outgoing: ids grow with time; agency by a square law (the largest ≈ 10 %%), attributes drawn per document.
CREATE TEMP TABLE pg_when AS
    SELECT row_number() OVER (ORDER BY at) AS g, at, r, least(%(agencies)s - 1, floor(%(agencies)s * s * s))::int AS ai,
           floor(random() * %(units)s)::int AS ui, floor(random() * 10)::int AS ti, random() AS p
    FROM (SELECT now() - random() * interval '730 days' AS at, random() AS r, random() AS s
          FROM generate_series(1, %(outgoing)s)) x;
CREATE TEMP TABLE pg_out AS
    SELECT w.*, a.id AS agency_id, u.id AS unit_id, (w.g %% 97 = 0) AS secret,
           CASE WHEN w.r < 0.98 OR w.at < now() - interval '30 days' THEN 'issued'
                ELSE (ARRAY['draft','submitted','returned','approved'])[1 + floor(w.p * 4)::int] END AS status
    FROM pg_when w JOIN pg_agency a ON a.idx = w.ai JOIN pg_unit u ON u.idx = w.ai AND u.uidx = w.ui;
CREATE TEMP TABLE pg_out_n AS
    SELECT o.g, r.id AS register_id, extract(year FROM o.at AT TIME ZONE 'Asia/Ho_Chi_Minh')::int AS year,
           row_number() OVER (PARTITION BY o.agency_id, o.secret,
                              extract(year FROM o.at AT TIME ZONE 'Asia/Ho_Chi_Minh') ORDER BY o.g) AS number
    FROM pg_out o JOIN pg_register r ON r.agency_id = o.agency_id
        AND r.kind = CASE WHEN o.secret THEN 'outgoing_secret' ELSE 'outgoing' END
    WHERE o.status = 'issued';

INSERT INTO documents_outgoing (agency_id, drafting_unit_id, created_by_id, signer_id, doc_type, summary, secrecy,
    urgency, archive_copies, status, created_at, updated_at, register_id, year, number, notation, issued_at,
    issued_by_id, signed_sha256, verify_code, also_on_paper, archive_text, nhu_tren, signer_authority,
    signer_position, signature_places)
SELECT o.agency_id, o.unit_id, s.user_id, l.id,
    (ARRAY['CV','CV','CV','CV','QĐ','BC','KH','TB','GM','TTr'])[1 + o.ti],
    (ARRAY['Công văn','Quyết định','Báo cáo','Kế hoạch','Thông báo'])[1 + o.ti %% 5] || ' về '
        || substr(%(corpus)s::text, 1 + (o.p * 1500)::int, 60 + (o.g %% 80)::int)
        || ' tại xã ' || (%(first)s::text[])[1 + (o.g * 7919) %% 40] || ' ' || (%(second)s::text[])[1 + (o.g * 7919 / 40) %% 40],
    CASE WHEN o.secret THEN 'mat' ELSE '' END,
    CASE WHEN o.p < 0.85 THEN '' WHEN o.p < 0.95 THEN 'khan' WHEN o.p < 0.99 THEN 'thuong_khan' ELSE 'hoa_toc' END, 2,
    o.status, o.at - interval '2 hours', o.at, n.register_id, n.year, n.number,
    CASE WHEN n.number IS NOT NULL
         THEN n.number || '/' || (ARRAY['CV','CV','CV','CV','QĐ','BC','KH','TB','GM','TTr'])[1 + o.ti] || '-BP' || o.ai
         ELSE '' END,
    CASE WHEN o.status = 'issued' THEN o.at END, CASE WHEN o.status = 'issued' THEN s.user_id END,
    CASE WHEN o.status = 'issued' THEN encode(sha256(('out' || o.g)::bytea), 'hex') ELSE '' END,
    CASE WHEN o.status = 'issued' THEN upper(substr(md5('v' || o.g), 1, 16)) ELSE '' END,
    random() < 0.12, '', false, '', '', '{}'::jsonb
FROM pg_out o
LEFT JOIN pg_out_n n ON n.g = o.g
JOIN pg_leader l ON l.agency_id = o.agency_id
JOIN pg_unit_n un ON un.unit_id = o.unit_id
JOIN pg_staff s ON s.unit_id = o.unit_id AND s.sidx = o.g %% un.n
ORDER BY o.g;
DROP TABLE pg_out_n;

INSERT INTO documents_outgoingfile (outgoing_id, kind, position, name, draft, signed, size, signed_sha256, approved,
    approved_sha256)
SELECT o.id, 'main', 0, 'van-ban-' || o.id || '.pdf', 'bench/draft/' || o.id || '.pdf',
    CASE WHEN o.status = 'issued' THEN 'bench/signed/' || o.id || '.pdf' ELSE '' END, 150000 + o.id %% 400000,
    o.signed_sha256, '', ''
FROM documents_outgoing o JOIN pg_agency a ON a.id = o.agency_id ORDER BY o.id;

INSERT INTO documents_delivery (outgoing_id, channel, agency_id, name, email, is_citizen, dossier, status, attempts,
    claim_token, last_attempt_at, sent_at, response, note, message_id, remote_status, remote_status_reason,
    created_at)
SELECT o.id,
    CASE WHEN o.secrecy <> '' THEN 'paper' WHEN (o.id + k) %% 10 < 5 THEN 'portal' ELSE 'email' END,
    CASE WHEN o.secrecy = '' AND (o.id + k) %% 10 < 5 THEN r.id END,
    'Nơi nhận ' || k,
    CASE WHEN o.secrecy = '' AND (o.id + k) %% 10 < 5 THEN '' ELSE 'noinhan' || k || '@bench.gov.vn' END,
    o.secrecy = '' AND (o.id + k) %% 10 >= 5 AND (o.id + k) %% 20 = 19, '',
    CASE WHEN o.secrecy <> '' THEN 'not_electronic' WHEN random() < 0.02 THEN 'failed'
         WHEN random() < 0.005 THEN 'uncertain' ELSE 'sent' END,
    1, '', o.issued_at, o.issued_at + interval '1 minute', '', '', '', '', '', o.issued_at
FROM documents_outgoing o
JOIN pg_agency a ON a.id = o.agency_id
CROSS JOIN LATERAL generate_series(1, 1 + (o.id * 7) %% 5) k
JOIN pg_agency r ON r.idx = (a.idx + k * 13) %% %(agencies)s
WHERE o.status = 'issued'
ORDER BY o.id, k;


-- The signed files' text, as the text-layer task leaves it.
INSERT INTO ocr_filetext (content_type_id, object_id, field, sha256, state, method, pages, text, ocr_pdf, error,
    attempts, created_at, finished_at)
SELECT %(ct_outgoingfile)s, f.id, 'signed', f.signed_sha256, 'done', 'text_layer', jsonb_build_array(t.text), t.text,
    '', '', 1, o.issued_at, o.issued_at + interval '1 minute'
FROM documents_outgoingfile f JOIN documents_outgoing o ON o.id = f.outgoing_id JOIN pg_agency a ON a.id = o.agency_id
CROSS JOIN LATERAL (SELECT """ + _file_text("f.id", *OUT_TEXT) + """ AS text) t
WHERE o.status = 'issued';

-- Every failed delivery is an incident; those older than a week were resolved.
INSERT INTO reports_incident (kind, cause, occurred_at, resolved_at, resolution, subject_type_id, subject_id, agency_id,
    resolved_by_id)
SELECT 'delivery_failed', 'Máy chủ thư của nơi nhận từ chối: 550 5.1.1 mailbox unavailable', d.last_attempt_at,
    CASE WHEN d.last_attempt_at < now() - interval '7 days' THEN d.last_attempt_at + interval '1 day' END,
    CASE WHEN d.last_attempt_at < now() - interval '7 days' THEN 'Đã gửi lại' ELSE '' END,
    %(ct_delivery)s, d.id, o.agency_id, NULL
FROM documents_delivery d JOIN documents_outgoing o ON o.id = d.outgoing_id JOIN pg_agency a ON a.id = o.agency_id
WHERE d.status = 'failed';

"""

GENERATE_INCOMING = """
SELECT setseed(0.71);
-- Incoming: the same square law; statuses as a year of work leaves them.
CREATE TEMP TABLE pg_when AS
    SELECT row_number() OVER (ORDER BY at) AS g, at, r, least(%(agencies)s - 1, floor(%(agencies)s * s * s))::int AS ai,
           floor(random() * %(units)s)::int AS ui, floor(random() * 10)::int AS ti, random() AS p
    FROM (SELECT now() - random() * interval '730 days' AS at, random() AS r, random() AS s
          FROM generate_series(1, %(incoming)s)) x;
CREATE TEMP TABLE pg_in AS
    SELECT w.*, a.id AS agency_id, u.id AS unit_id, reg.id AS register_id, st.status, st.register, st.route, st.handle
    FROM pg_when w JOIN pg_agency a ON a.idx = w.ai JOIN pg_unit u ON u.idx = w.ai AND u.uidx = w.ui
    JOIN pg_register reg ON reg.agency_id = a.id AND reg.kind = 'incoming'
    CROSS JOIN LATERAL (SELECT
        CASE WHEN w.at > now() - interval '60 days' THEN
                 CASE WHEN w.r < 0.05 THEN '01' WHEN w.r < 0.07 THEN '02' WHEN w.r < 0.15 THEN '03'
                      WHEN w.r < 0.35 THEN '04' WHEN w.r < 0.5 THEN '05' ELSE '06' END
             ELSE CASE WHEN w.r < 0.002 THEN '01' WHEN w.r < 0.02 THEN '02' WHEN w.r < 0.023 THEN '03'
                       WHEN w.r < 0.026 THEN '04' WHEN w.r < 0.028 THEN '05' ELSE '06' END
        END AS status,
        random() * interval '30 hours' AS register, random() * interval '20 hours' AS route,
        random() * interval '14 days' AS handle) st;
CREATE TEMP TABLE pg_in_n AS
    SELECT g, row_number() OVER (PARTITION BY register_id,
                                 extract(year FROM at AT TIME ZONE 'Asia/Ho_Chi_Minh') ORDER BY g) AS number
    FROM pg_in WHERE status >= '03';

INSERT INTO documents_incoming (agency_id, target_unit_id, source, sender_name, notation, doc_date, doc_type, summary,
    secrecy, urgency, signer_name, signer_position, status, status_reason, arrived_at, register_id, year,
    arrival_number, registered_at, note, instructions, due_date, routed_at, completed_at, result, edxml_document_id)
SELECT i.agency_id, i.unit_id,
    CASE WHEN i.p < 0.55 THEN 'portal' WHEN i.p < 0.8 THEN 'email' ELSE 'paper' END,
    'Ủy ban nhân dân tỉnh số ' || (i.g %% 700), (i.g %% 9000) || '/' || (ARRAY['UBND','UBND-VP','SNV','STC'])[1 + i.ti %% 4],
    (i.at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date - (i.g %% 5)::int,
    (ARRAY['CV','CV','CV','CV','QĐ','BC','KH','TB','GM','TTr'])[1 + i.ti],
    (ARRAY['Công văn','Quyết định','Báo cáo','Kế hoạch','Thông báo'])[1 + i.ti %% 5] || ' về '
        || substr(%(corpus)s::text, 1 + (i.p * 1500)::int, 60 + (i.g %% 80)::int)
        || ' tại xã ' || (%(first)s::text[])[1 + (i.g * 6007) %% 40] || ' ' || (%(second)s::text[])[1 + (i.g * 6007 / 40) %% 40],
    CASE WHEN i.g %% 101 = 0 THEN 'mat' ELSE '' END,
    CASE WHEN i.ti < 8 THEN '' WHEN i.ti < 9 THEN 'khan' ELSE 'thuong_khan' END,
    'Nguyễn Văn ' || (i.g %% 50), 'Phó Chủ tịch', i.status, '', i.at, i.register_id,
    extract(year FROM i.at AT TIME ZONE 'Asia/Ho_Chi_Minh')::int, n.number,
    CASE WHEN i.status >= '03' THEN i.at + i.register END, '', '',
    CASE WHEN i.status >= '04' THEN ((i.at + i.register + i.route) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + 10 END,
    CASE WHEN i.status >= '04' THEN i.at + i.register + i.route END,
    CASE WHEN i.status = '06' THEN i.at + i.register + i.route + i.handle END, '', ''
FROM pg_in i LEFT JOIN pg_in_n n ON n.g = i.g
ORDER BY i.g;
DROP TABLE pg_in_n;

INSERT INTO documents_incomingfile (incoming_id, kind, name, file, size, sha256, signature_status, signature_summary,
    signer, active_content, content_type)
SELECT i.id, 'main', 'van-ban-den-' || i.id || '.pdf', 'bench/incoming/' || i.id || '.pdf', 120000 + i.id %% 300000,
    encode(sha256(('in' || i.id)::bytea), 'hex'), CASE WHEN i.source = 'paper' THEN '' ELSE 'valid' END, '', '',
    '[]'::jsonb, 'application/pdf'
FROM documents_incoming i JOIN pg_agency a ON a.id = i.agency_id ORDER BY i.id;

INSERT INTO documents_assignment (incoming_id, role, unit_id, member_id, is_current, created_at)
SELECT i.id, 'lead', i.target_unit_id, NULL, true, i.routed_at
FROM documents_incoming i JOIN pg_agency a ON a.id = i.agency_id
WHERE i.routed_at IS NOT NULL AND i.id %% 3 = 0
UNION ALL
-- Two in three routed documents are led by a specialist of the target unit (the specialist's desk).
SELECT i.id, 'lead', NULL, s.id, true, i.routed_at + interval '2 hours'
FROM documents_incoming i JOIN pg_agency a ON a.id = i.agency_id
JOIN pg_unit_n un ON un.unit_id = i.target_unit_id
JOIN pg_staff s ON s.unit_id = i.target_unit_id AND s.sidx = (i.id / 3) %% un.n
WHERE i.routed_at IS NOT NULL AND i.id %% 3 <> 0
UNION ALL
SELECT i.id, 'cooperate', u.id, NULL, true, i.routed_at
FROM documents_incoming i JOIN pg_agency a ON a.id = i.agency_id
JOIN pg_unit u ON u.idx = a.idx AND u.uidx = (i.id / 7) %% %(units)s AND u.id <> i.target_unit_id
WHERE i.routed_at IS NOT NULL AND i.id %% 7 = 0;

-- The files' text, as the OCR/text-layer task leaves it.
INSERT INTO ocr_filetext (content_type_id, object_id, field, sha256, state, method, pages, text, ocr_pdf, error,
    attempts, created_at, finished_at)
SELECT %(ct_incomingfile)s, f.id, 'file', f.sha256, 'done', CASE WHEN i.source = 'paper' THEN 'ocr' ELSE 'text_layer' END,
    jsonb_build_array(t.text), t.text, '', '', 1, i.arrived_at, i.arrived_at + interval '1 minute'
FROM documents_incomingfile f JOIN documents_incoming i ON i.id = f.incoming_id JOIN pg_agency a ON a.id = i.agency_id
CROSS JOIN LATERAL (SELECT """ + _file_text("f.id", *IN_TEXT) + """ AS text) t;
"""

# One issued document of the big agency sent to 200 recipients (the document page and the delivery fragment).
DETAIL = """
INSERT INTO documents_delivery (outgoing_id, channel, agency_id, name, email, is_citizen, dossier, status, attempts,
    claim_token, last_attempt_at, sent_at, response, note, message_id, remote_status, remote_status_reason,
    created_at, lookup_code)
SELECT %(outgoing)s, CASE WHEN k %% 4 = 0 THEN 'email' ELSE 'email' END, NULL, 'Công dân ' || k,
    'congdan' || k || '@example.com', k %% 2 = 0, '', CASE WHEN k %% 25 = 0 THEN 'failed' ELSE 'sent' END, 1, '',
    now(), now(), '', '', '', '', '', now(), CASE WHEN k %% 2 = 0 THEN 'P17' || lpad(k::text, 9, '0') END
FROM generate_series(1, %(n)s) k;
"""

DIRECTORY = """
INSERT INTO agencies_agency (code, name, short_name, official_email, address, phone, website, uses_portal, is_active,
    search_text, parent_id, installation_id)
SELECT 'D' || lpad(k::text, 6, '0') || '.R00', 'Ủy ban nhân dân tỉnh số ' || k, 'UBND' || k,
    'vanphong' || k || '@tinh' || k || '.gov.vn', 'Số ' || k || ' đường Trần Phú', '0243' || lpad(k::text, 7, '0'),
    '', true, true, 'uy ban nhan dan tinh so ' || k, NULL, NULL
FROM generate_series(1, %(roots)s) k;
INSERT INTO agencies_agency (code, name, short_name, official_email, address, phone, website, uses_portal, is_active,
    search_text, parent_id, installation_id)
SELECT 'D' || lpad(k::text, 6, '0') || '.R' || lpad((k %% 100)::text, 2, '0'),
    (ARRAY['Sở Nội vụ','Sở Tài chính','Ủy ban nhân dân xã','Sở Y tế','Sở Giáo dục và Đào tạo'])[1 + k %% 5] || ' số ' || k,
    'CQ' || k, 'vanthu' || k || '@cq' || k || '.gov.vn', 'Số ' || k || ' đường Lê Lợi', '', '', k %% 3 <> 0, true,
    (ARRAY['so noi vu','so tai chinh','uy ban nhan dan xa','so y te','so giao duc va dao tao'])[1 + k %% 5] || ' so ' || k,
    p.id, NULL
FROM generate_series(%(roots)s + 1, %(total)s) k
JOIN agencies_agency p ON p.code = 'D' || lpad((1 + k %% %(roots)s)::text, 6, '0') || '.R00';
INSERT INTO agencies_unit (agency_id, name, abbreviation, official_email, is_active)
SELECT a.id, u.name, u.abbr, '', true FROM agencies_agency a
CROSS JOIN (VALUES ('Văn phòng', 'VP'), ('Phòng Tổng hợp', 'TH')) u(name, abbr)
WHERE a.code LIKE 'D%%';
"""

# The search index (search.Entry) written in SQL as search.indexing.entry_update writes it per item (`fold`: lower
# case, no diacritics, đ = d; words between single spaces; the number key; the tsvector of search_vn), for the
# generated documents only: `manage.py search_reindex` goes item by item (≈ 10 queries each: hours at 1 M).
# Folding text in SQL costs ≈ 160 µs per 250 characters with search_words' regexp, so nothing is folded per row that
# can be folded once: a file's text is a commune (1,600) and an offset into the corpus (1,400), whose words and
# tsvectors are folded into pg_place and pg_offset first and joined on the same expressions (_file_text). Only each
# item's summary is folded per row, by `words`: search_words' result for the generated alphabet (its punctuation
# turned to spaces, runs of spaces closed) at a third of the cost; _words_checked compares a sample with
# search.text.words after the load. Each kind is written by its own connection, at the same time. The words are
# folded already, so the tsvector is built with `simple` (search_vn is simple + unaccent: on folded words the same
# lexemes) and a file's is joined to the summary's (`||` of stripped vectors: the union of their lexemes).
SEARCH_SETUP = """
CREATE TEMP TABLE pg_agency AS
    SELECT id, name FROM agencies_agency
    WHERE code = %(ministry)s OR parent_id = (SELECT id FROM agencies_agency WHERE code = %(ministry)s);
CREATE OR REPLACE FUNCTION pg_temp.fold(t text) RETURNS text LANGUAGE sql IMMUTABLE AS
    $$ SELECT lower(unaccent(replace(replace(t, 'đ', 'd'), 'Đ', 'D'))) $$;
CREATE OR REPLACE FUNCTION pg_temp.words(t text) RETURNS text LANGUAGE sql IMMUTABLE AS
    $$ SELECT coalesce(' ' || nullif(btrim(replace(replace(replace(translate(pg_temp.fold(t), ',.;:-/·()', '         '),
                                                                   '    ', ' '), '  ', ' '), '  ', ' ')), '') || ' ', '') $$;
CREATE TEMP TABLE pg_offset AS
    SELECT o, w, strip(to_tsvector('simple', w)) AS vector
    FROM (SELECT o, btrim(pg_temp.words(substr(%(corpus)s::text, 1 + o, %(text_chars)s))) AS w
          FROM generate_series(0, 1399) o) x;
CREATE TEMP TABLE pg_place AS
    SELECT a, b, w, strip(to_tsvector('simple', w)) AS vector
    FROM (SELECT f.a - 1 AS a, s.b - 1 AS b, 'xa ' || pg_temp.fold(f.name) || ' ' || pg_temp.fold(s.name) AS w
          FROM unnest(%(first)s::text[]) WITH ORDINALITY f(name, a)
          CROSS JOIN unnest(%(second)s::text[]) WITH ORDINALITY s(name, b)) x;
ANALYZE pg_offset; ANALYZE pg_place;
"""


def _search_body(file_id, text, alive="true"):
    """Columns body, body_words and the file's tsvector of an entry whose file `file_id` has the generated text (the
    entry has no text where `alive` is false), from pg_place and pg_offset (joined as pl and off)."""
    spread, step = text
    return (f"CASE WHEN {alive} THEN {_file_text(file_id, spread, step)} ELSE '' END,"
            f" CASE WHEN {alive} THEN ' ' || pl.w || ' ' || off.w || ' ' ELSE '' END,"
            f" CASE WHEN {alive} THEN pl.vector || off.vector ELSE ''::tsvector END")


def _search_join(file_id, text):
    spread, step = text
    return (f"JOIN pg_place pl ON pl.a = {_place_first(file_id, spread)} AND pl.b = {_place_second(file_id, spread)}"
            f" JOIN pg_offset off ON off.o = {_offset(file_id, step)}")


SEARCH_PARTS = (
"""INSERT INTO search_entry (kind, object_id, doc_type, year, date, status, secrecy, issuer, notation, title, summary,
    body, number_key, summary_words, body_words, vector, indexed_at, created_at, agency_id)
SELECT 'outgoing', o.id, o.doc_type, coalesce(o.year, extract(year FROM o.created_at)::int),
    (coalesce(o.issued_at, o.created_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, o.status, o.secrecy, a.name,
    o.notation, o.summary, s.summary, b.body,
    left(regexp_replace(pg_temp.fold(o.notation), '[^0-9a-z]+', '', 'g'), 100),
    w.summary, b.words, strip(to_tsvector('simple', w.summary)) || b.vector, now(), now(), o.agency_id
FROM documents_outgoing o JOIN pg_agency a ON a.id = o.agency_id
JOIN agencies_unit u ON u.id = o.drafting_unit_id
JOIN accounts_membership sm ON sm.id = o.signer_id JOIN accounts_user su ON su.id = sm.user_id
JOIN accounts_user cu ON cu.id = o.created_by_id
JOIN documents_outgoingfile f ON f.outgoing_id = o.id AND f.kind = 'main'
""" + _search_join("f.id", OUT_TEXT) + """
CROSS JOIN LATERAL (SELECT concat_ws(' · ', nullif(o.notation, ''), o.summary, a.name, u.name, su.full_name,
                                     cu.full_name) AS summary) s
CROSS JOIN LATERAL (SELECT pg_temp.words(s.summary) AS summary) w
CROSS JOIN LATERAL (SELECT """ + _search_body("f.id", OUT_TEXT, "o.status = 'issued'") + """) b(body, words, vector);
""",
"""INSERT INTO search_entry (kind, object_id, doc_type, year, date, status, secrecy, issuer, notation, title, summary,
    body, number_key, summary_words, body_words, vector, indexed_at, created_at, agency_id)
SELECT 'incoming', i.id, i.doc_type, coalesce(i.year, extract(year FROM i.arrived_at)::int), i.doc_date, i.status,
    i.secrecy, i.sender_name, i.notation, i.summary, s.summary, b.body,
    left(regexp_replace(pg_temp.fold(i.notation), '[^0-9a-z]+', '', 'g'), 100),
    w.summary, b.words, strip(to_tsvector('simple', w.summary)) || b.vector, now(), now(), i.agency_id
FROM documents_incoming i JOIN pg_agency a ON a.id = i.agency_id
JOIN documents_incomingfile f ON f.incoming_id = i.id AND f.kind = 'main'
""" + _search_join("f.id", IN_TEXT) + """
CROSS JOIN LATERAL (SELECT concat_ws(' · ', nullif(i.notation, ''), i.summary, i.sender_name, i.signer_name) AS summary) s
CROSS JOIN LATERAL (SELECT pg_temp.words(s.summary) AS summary) w
CROSS JOIN LATERAL (SELECT """ + _search_body("f.id", IN_TEXT) + """) b(body, words, vector);
""",
)

TABLES = (
    "agencies_agency", "agencies_unit", "accounts_user", "accounts_membership", "documents_register",
    "documents_outgoing", "documents_outgoingfile", "documents_delivery", "documents_incoming",
    "documents_incomingfile", "documents_assignment", "ocr_filetext", "reports_incident", "search_entry",
)


def _ministry():
    from agencies.models import Agency, Unit
    from documents.models import Register

    ministry, _ = Agency.objects.get_or_create(code=MINISTRY_CODE, defaults={
        "name": "Bộ Đo Hiệu Năng Trang", "short_name": "BĐHNT", "official_email": "vanthu@p17.bench.gov.vn"})
    existing = set(Agency.objects.filter(parent=ministry).values_list("code", flat=True))
    Agency.objects.bulk_create([
        Agency(code=f"000.{n:02d}.00.P17", name=f"Tổng cục số {n}", short_name=f"TC{n:02d}",
               official_email=f"vanthu@tc{n:02d}.p17.bench.gov.vn", parent=ministry, search_text=f"tong cuc so {n}")
        for n in range(1, AGENCIES) if f"000.{n:02d}.00.P17" not in existing
    ])
    agencies = list(Agency.objects.filter(pk__in=[ministry.pk, *ministry.children.values_list("pk", flat=True)])
                    .order_by("code"))
    have = set(Unit.objects.filter(agency__in=agencies).values_list("agency_id", "abbreviation"))
    Unit.objects.bulk_create([Unit(agency=a, name=name, abbreviation=abbr) for a in agencies for name, abbr in UNITS
                              if (a.pk, abbr) not in have])
    have = set(Register.objects.filter(agency__in=agencies).values_list("agency_id", "kind"))
    Register.objects.bulk_create([Register(agency=a, kind=kind, name=label) for a in agencies
                                  for kind, label in Register.Kind.choices if (a.pk, kind) not in have])
    return agencies


def _staff(agencies):
    """300 staff in the big agency (the first by code: the square law gives it the most documents), 10 elsewhere;
    a leader in each; the clerk, leader and specialist the pages are measured for."""
    from accounts.models import Membership, User
    from agencies.models import Unit

    if User.objects.filter(email=SPECIALIST_EMAIL).exists():
        return
    users, memberships = [], []
    for index, agency in enumerate(agencies):
        units = list(Unit.objects.filter(agency=agency).order_by("abbreviation"))
        count = BIG_STAFF if index == 0 else SMALL_STAFF
        for n in range(count):
            email = f"cb{n}@a{index}.p17.bench.gov.vn"
            users.append(User(email=email, full_name=f"Cán bộ {n} cơ quan {index}", kind="staff", password="!"))
            memberships.append((email, agency, units[n % len(units)], n == 0, n == 1, n >= 2))
    big = agencies[0]
    big_unit = Unit.objects.get(agency=big, abbreviation="TH")
    for email, name, role in ((CLERK_EMAIL, "Văn thư Bộ", "clerk"), (LEADER_EMAIL, "Lãnh đạo Bộ", "leader"),
                              (SPECIALIST_EMAIL, "Chuyên viên Vụ Tổng hợp", "specialist")):
        users.append(User(email=email, full_name=name, kind="staff", password="!"))
        memberships.append((email, big, big_unit, role == "leader", role == "clerk", role == "specialist"))
    User.objects.bulk_create(users)
    by_email = dict(User.objects.filter(email__in=[m[0] for m in memberships]).values_list("email", "pk"))
    Membership.objects.bulk_create([
        Membership(user_id=by_email[email], agency=agency, unit=unit, is_leader=leader, is_clerk=clerk,
                   is_specialist=specialist, position="Cán bộ")
        for email, agency, unit, leader, clerk, specialist in memberships
    ])


def _marker(scale):
    """The data is complete when the 200-delivery document exists: it is made last."""
    from documents.models import Delivery

    return Delivery.objects.filter(lookup_code=f"P17{DETAIL_DELIVERIES:09d}").exists()


def _search_missing(big):
    """Whether the search app exists and its index lacks the generated documents (or a load stopped before its
    text index was built: the index is built last)."""
    from django.apps import apps

    try:
        entry = apps.get_model("search", "Entry")
    except LookupError:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'search_entry' AND indexdef LIKE '%% gin %%'")
        built = cursor.fetchone()[0] > 0
    return not (built and all(entry.objects.filter(agency=big, kind=kind).exists()
                              for kind in ("outgoing", "incoming")))


def _connect():
    """A connection of its own to the bench database (psycopg, client-side parameters as Django's)."""
    import psycopg

    db = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(dbname=db["NAME"], user=db["USER"] or None, host=db["HOST"] or None,
                                              port=db["PORT"] or None, password=db["PASSWORD"] or None)
    return psycopg.connect(conninfo, cursor_factory=psycopg.ClientCursor, autocommit=True)


def _on_two_connections(work, items):
    """`work(cursor, item)` for each of `items`, in order, by two connections at once (this machine's two cores:
    one statement of PostgreSQL runs on one core, GIN builds included)."""
    from concurrent.futures import ThreadPoolExecutor
    from queue import Empty, SimpleQueue

    todo = SimpleQueue()
    for item in items:
        todo.put(item)

    def drain():
        with _connect() as conn, conn.cursor() as cursor:
            while True:
                try:
                    item = todo.get_nowait()
                except Empty:
                    return
                work(cursor, item)

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(drain) for _ in range(2)]:
            future.result()


def _load_in_parallel(setup, parts, params):
    """Each statement of `parts` on its own connection at once (after `setup` on each), triggers off."""

    def load(cursor, part):
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute(setup + part, params)

    _on_two_connections(load, parts)


LOADED = ("documents_outgoing", "documents_outgoingfile", "documents_delivery", "documents_incoming",
          "documents_incomingfile", "documents_assignment", "ocr_filetext", "reports_incident")


@contextlib.contextmanager
def _indexes_built_after(cursor, tables):
    """A bulk load fills the tables first and builds their indexes after: PostgreSQL maintaining a dozen B-trees per
    table row by row (and their WAL) was most of the load's time. Indexes that back a constraint (primary keys,
    unique constraints) stay; every other index is dropped and rebuilt from its own definition, as the app made it.
    The definitions are written down (bench_dropped_index) before anything is dropped, so that a load stopped half
    way (a killed run) has its indexes rebuilt by the next run instead of leaving the tables without them."""
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_dropped_index (name text PRIMARY KEY, definition text NOT NULL)")
    _rebuild_dropped(cursor)
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid::regclass::text = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)", [list(tables)])
    for name, definition in cursor.fetchall():
        cursor.execute("INSERT INTO bench_dropped_index VALUES (%s, %s) ON CONFLICT DO NOTHING", [name, definition])
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    _rebuild_dropped(cursor)


def _rebuild_dropped(cursor):
    """Build the indexes written down in bench_dropped_index, two at a time: a GIN index is built by one process (the
    word-pairs index alone takes ≈ 150 µs a row), a B-tree by one process and two workers. The biggest first."""
    cursor.execute(
        "SELECT name, definition FROM bench_dropped_index d"
        " ORDER BY definition LIKE '%% USING gin %%' DESC,"
        " pg_total_relation_size(substring(definition FROM ' ON (?:ONLY )?([a-z_.]+) ')::regclass) DESC, name")

    def build(build_cursor, index):
        name, definition = index
        # A GIN build gathers its keys in maintenance_work_mem and merges them into the index each time it is full.
        gin = " USING gin " in definition
        build_cursor.execute(f"SET maintenance_work_mem = '{'4GB' if gin else '1GB'}'")
        build_cursor.execute("SET max_parallel_maintenance_workers = 2")
        build_cursor.execute(definition.replace(" INDEX ", " INDEX IF NOT EXISTS ", 1))
        build_cursor.execute("DELETE FROM bench_dropped_index WHERE name = %s", [name])

    _on_two_connections(build, cursor.fetchall())


def _wipe(cursor, agency_ids):
    where_out = "SELECT id FROM documents_outgoing WHERE agency_id = ANY(%s)"
    where_in = "SELECT id FROM documents_incoming WHERE agency_id = ANY(%s)"
    for statement in (
        f"DELETE FROM ocr_filetext WHERE object_id IN (SELECT id FROM documents_incomingfile WHERE incoming_id IN ({where_in}))",
        f"DELETE FROM ocr_filetext WHERE object_id IN (SELECT id FROM documents_outgoingfile WHERE outgoing_id IN ({where_out}))",
        "DELETE FROM reports_incident WHERE agency_id = ANY(%s)",
        f"DELETE FROM documents_assignment WHERE incoming_id IN ({where_in})",
        f"DELETE FROM documents_incomingfile WHERE incoming_id IN ({where_in})",
        "DELETE FROM documents_incoming WHERE agency_id = ANY(%s)",
        f"DELETE FROM documents_delivery WHERE outgoing_id IN ({where_out})",
        f"DELETE FROM documents_outgoingfile WHERE outgoing_id IN ({where_out})",
        "DELETE FROM documents_outgoing WHERE agency_id = ANY(%s)",
    ):
        cursor.execute(statement, [agency_ids])


def _words_checked(agency_ids, sample=200):
    """The generated entries' words are those search.text gives (the load folds with a shortcut of its own)."""
    import random

    from django.db.models import Max, Min

    from search import text
    from search.models import Entry

    bounds = Entry.objects.filter(agency_id__in=agency_ids).aggregate(low=Min("pk"), high=Max("pk"))
    picked = random.Random(17).sample(range(bounds["low"], bounds["high"] + 1), sample)
    entries = Entry.objects.filter(agency_id__in=agency_ids, pk__in=picked)
    for entry in entries.values("pk", "summary", "body", "summary_words", "body_words"):
        expected = (text.words(entry["summary"]), text.words(entry["body"]))
        if (entry["summary_words"], entry["body_words"]) != expected:
            raise AssertionError(f"search entry {entry['pk']}: generated words differ from search.text.words:"
                                 f" {entry['summary_words']!r} {entry['body_words']!r} ≠ {expected!r}")


def ensure_data(scale):
    """Generate the documents of this scale unless they are there; returns (agencies, seconds per step)."""
    from django.contrib.contenttypes.models import ContentType

    from agencies.models import Agency
    from documents.models import Delivery, IncomingFile, Outgoing, OutgoingFile

    agencies = _ministry()
    _staff(agencies)
    timings = {}
    agency_ids = [a.pk for a in agencies]
    texts = {"corpus": CORPUS * 2, "first": list(PLACE_FIRST), "second": list(PLACE_SECOND),
             "text_chars": TEXT_CHARS[scale]}
    if not _marker(scale):
        total = SCALES[scale]
        start = time.perf_counter()
        ct = ContentType.objects.get_for_models(IncomingFile, OutgoingFile, Delivery)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET work_mem = '256MB'")
            _wipe(cursor, agency_ids)
            with _indexes_built_after(cursor, LOADED):
                _load_in_parallel(GENERATE_SETUP, (GENERATE_OUTGOING, GENERATE_INCOMING), {
                    **texts, "ministry": MINISTRY_CODE, "outgoing": total // 2, "incoming": total // 2,
                    "agencies": AGENCIES, "units": len(UNITS), "ct_incomingfile": ct[IncomingFile].pk,
                    "ct_outgoingfile": ct[OutgoingFile].pk, "ct_delivery": ct[Delivery].pk})
                timings["documents_load_s"] = round(time.perf_counter() - start, 1)
            detail = (Outgoing.objects.filter(agency=agencies[0], status="issued", secrecy="")
                      .order_by("-issued_at").values_list("pk", flat=True).first())
            cursor.execute(DETAIL, {"outgoing": detail, "n": DETAIL_DELIVERIES})
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("UPDATE reports_factmonth SET stale = true WHERE agency_id = ANY(%s)", [agency_ids])
        timings["documents_s"] = round(time.perf_counter() - start, 1)
    if not Agency.objects.filter(code__startswith="D").exists():
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(DIRECTORY, {"roots": DIRECTORY_AGENCIES // 100, "total": DIRECTORY_AGENCIES})
        timings["directory_s"] = round(time.perf_counter() - start, 1)
    if Agency.objects.filter(code__startswith="D", directory_text="").exists():
        # The directory's stored columns (folded name and text, depth) are written by agencies' own code, as
        # `manage.py directory_reindex` does after bulk writes: without them every search finds nothing.
        from agencies.directory import directory_reindex

        start = time.perf_counter()
        directory_reindex()
        timings["directory_reindex_s"] = round(time.perf_counter() - start, 1)
    # PAGES_SEARCH=0: no search index (the pages without search, at 10 M in a third of the time).
    if os.environ.get("PAGES_SEARCH", "1") != "0" and _search_missing(agencies[0]):
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_entry WHERE agency_id = ANY(%s)", [agency_ids])
            with _indexes_built_after(cursor, ["search_entry"]):
                _load_in_parallel(SEARCH_SETUP, SEARCH_PARTS, {**texts, "ministry": MINISTRY_CODE})
                timings["search_load_s"] = round(time.perf_counter() - start, 1)
        timings["search_index_s"] = round(time.perf_counter() - start, 1)
        _words_checked(agency_ids)
    if timings:
        start = time.perf_counter()
        _on_two_connections(lambda cursor, table: cursor.execute(f"VACUUM ANALYZE {table}"), TABLES)
        timings["analyze_s"] = round(time.perf_counter() - start, 1)
    return agencies, timings
