"""Search (issue 17) over the documents of one big agency: PostgreSQL's GIN index on the folded words against the
same search without it (LIKE over the folded words, which is what SQLite does and what a sequential scan costs).

Data: SEARCH_BENCH_DOCS issued outgoing documents (default 200,000) of one ministry, each with a summary of
Vietnamese words ("Về việc …", four words drawn with a skew so some are rare and "viec" is in every one) and 40
words of files' text ("từ<k>", k drawn with a skew from 5,000), their search entries written in SQL (folded words made from the same word lists, so they are
exactly what search.text.words gives), kept between runs (made again only when the count is not right).

Figures, each the median of the whole search the page runs (selectors.search: matches, rank, count, the six
filters' counts, the first page with snippets) as the ministry's clerk, index on / index off:
search_number (a notation typed as "123 bnv vp"), search_two_words (two rare words), search_phrase
(a phrase without diacritics in about 5 % of the documents: more index candidates than CANDIDATE_LIMIT and fewer than
SCAN_LIMIT matches among the WALK newest, so both sides answer from the WALK newest, `partial`), search_body_word (a
rare word of the files' text only), search_common (a word in every document: both sides read the newest entries
until SCAN_LIMIT match, the index brings nothing). The baseline is bounded too (docs/search.md, "Bounded work").
"""

import os
import time

from django.db import connection

from bench.common import Result, median_time
from bench.common_env import ensure_database

AGENCY_CODE = "000.00.00.S17"
CLERK_EMAIL = "vanthu@timkiem.bench.gov.vn"
DOCS = int(os.environ.get("SEARCH_BENCH_DOCS", "200000"))
WORDS = [
    ("thiên tai", "thien tai"), ("quyết định", "quyet dinh"), ("kế hoạch", "ke hoach"), ("báo cáo", "bao cao"),
    ("cải cách", "cai cach"), ("hành chính", "hanh chinh"), ("đào tạo", "dao tao"), ("cán bộ", "can bo"),
    ("ngân sách", "ngan sach"), ("đầu tư", "dau tu"), ("xây dựng", "xay dung"), ("giáo dục", "giao duc"),
    ("y tế", "y te"), ("môi trường", "moi truong"), ("đất đai", "dat dai"), ("thi đua", "thi dua"),
    ("khen thưởng", "khen thuong"), ("kỷ luật", "ky luat"), ("tuyển dụng", "tuyen dung"), ("biên chế", "bien che"),
    ("chuyển đổi số", "chuyen doi so"), ("an toàn", "an toan"), ("phòng cháy", "phong chay"),
    ("giao thông", "giao thong"), ("nông nghiệp", "nong nghiep"), ("du lịch", "du lich"), ("văn hóa", "van hoa"),
    ("thanh tra", "thanh tra"), ("khiếu nại", "khieu nai"), ("tố cáo", "to cao"), ("dân tộc", "dan toc"),
    ("tôn giáo", "ton giao"), ("quốc phòng", "quoc phong"), ("biên giới", "bien gioi"), ("hải đảo", "hai dao"),
    ("lưu trữ", "luu tru"), ("văn thư", "van thu"), ("bảo hiểm", "bao hiem"), ("lao động", "lao dong"),
    ("việc làm", "viec lam"),
]
QUERIES = {"search_number": "1234 bnv vp", "search_two_words": "luu tru, viec lam",
           "search_phrase": "chuyen doi so", "search_body_word": "tu4321", "search_common": "viec"}

GENERATE = """
SELECT setseed(0.17);
CREATE TEMP TABLE bench_doc AS
SELECT n, now() - random() * interval '1500 days' AS at,
    ARRAY(SELECT 1 + floor(power(random(), 3) * %(nw)s)::int FROM generate_series(1, 4 + n * 0)) AS s,
    ARRAY(SELECT floor(power(random(), 4) * 5000)::int FROM generate_series(1, 40 + n * 0)) AS b
FROM generate_series(1, %(docs)s) n;
CREATE TEMP TABLE bench_text AS
SELECT n, at,
    'Về việc ' || array_to_string(ARRAY(SELECT (%(vi)s::text[])[i] FROM unnest(s) i), ', ') AS summary,
    ' ve viec ' || array_to_string(ARRAY(SELECT (%(fo)s::text[])[i] FROM unnest(s) i), ' ') || ' ' AS summary_words,
    array_to_string(ARRAY(SELECT 'từ' || i FROM unnest(b) i), ' ') AS body,
    ' ' || array_to_string(ARRAY(SELECT 'tu' || i FROM unnest(b) i), ' ') || ' ' AS body_words
FROM bench_doc;
INSERT INTO documents_outgoing (agency_id, drafting_unit_id, created_by_id, signer_id, doc_type, summary, secrecy,
    urgency, archive_copies, status, created_at, updated_at, year, number, notation, issued_at, issued_by_id,
    signed_sha256, verify_code, also_on_paper, archive_text, nhu_tren, signer_authority, signer_position,
    signature_places)
SELECT %(agency)s, %(unit)s, %(user)s, %(signer)s, 'CV', t.summary, '', '', 2, 'issued', t.at, t.at,
    extract(year FROM t.at)::int, t.n, t.n || '/BNV-VP', t.at, %(user)s, '', '', false, '', false, '', '', '{}'::jsonb
FROM bench_text t ORDER BY t.at;
INSERT INTO search_entry (kind, object_id, agency_id, doc_type, year, date, status, secrecy, issuer, notation, title,
    summary, body, number_key, summary_words, body_words, vector, indexed_at, created_at)
SELECT 'outgoing', o.id, o.agency_id, 'CV', o.year, o.issued_at::date, 'issued', '', 'Bộ Đo Tìm Kiếm', o.notation,
    o.summary, o.notation || ' · ' || o.summary, t.body, t.n || 'bnvvp',
    ' ' || t.n || ' bnv vp' || t.summary_words, t.body_words,
    strip(to_tsvector('search_vn', ' ' || t.n || ' bnv vp' || t.summary_words || t.body_words)), now(), now()
FROM documents_outgoing o JOIN bench_text t ON t.n = o.number
WHERE o.agency_id = %(agency)s;
DROP TABLE bench_doc, bench_text;
"""


def _agency():
    from accounts.models import Membership, User
    from agencies.models import Agency, Unit

    agency, _ = Agency.objects.get_or_create(code=AGENCY_CODE, defaults={
        "name": "Bộ Đo Tìm Kiếm", "short_name": "BNV", "official_email": "vanphong@timkiem.bench.gov.vn"})
    unit, _ = Unit.objects.get_or_create(agency=agency, abbreviation="VP", defaults={"name": "Văn phòng"})
    user = User.objects.filter(email=CLERK_EMAIL).first() or User.objects.create_user(
        email=CLERK_EMAIL, password=None, full_name="Văn thư Bộ", kind="staff")
    clerk, _ = Membership.objects.get_or_create(user=user, agency=agency, defaults={
        "is_clerk": True, "is_leader": True, "unit": unit, "position": "Văn thư"})
    return agency, unit, clerk


def ensure_data():
    """The documents and their entries unless exactly the right number is there; returns (clerk, seconds)."""
    from documents.models import Outgoing
    from search.models import Entry

    agency, unit, clerk = _agency()
    if (Entry.objects.filter(agency=agency).count() == DOCS
            and Outgoing.objects.filter(agency=agency).count() == DOCS):
        return clerk, 0.0
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM search_entry WHERE agency_id = %s", [agency.pk])
        cursor.execute("DELETE FROM documents_outgoing WHERE agency_id = %s", [agency.pk])
        cursor.execute(GENERATE, {"docs": DOCS, "nw": len(WORDS), "vi": [vi for vi, _ in WORDS],
                                  "fo": [fo for _, fo in WORDS], "agency": agency.pk, "unit": unit.pk,
                                  "user": clerk.user_id, "signer": clerk.pk})
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in ("documents_outgoing", "search_entry"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return clerk, time.perf_counter() - start


def _search(clerk, query):
    from search import selectors

    return selectors.search(membership=clerk, query_text=query)


def run():
    from search import selectors

    ensure_database()
    clerk, seconds = ensure_data()
    results = []
    for name, query in QUERIES.items():
        selectors.USE_INDEX = True
        found = _search(clerk, query)
        ours = median_time(lambda q=query: _search(clerk, q), repeat=5, warmup=1)
        selectors.USE_INDEX = False
        baseline = median_time(lambda q=query: _search(clerk, q), repeat=3, warmup=1)
        selectors.USE_INDEX = True
        # The common word and the 5 % phrase are answered from the newest entries on both sides (module docstring).
        target = 1.0 if name in ("search_common", "search_phrase") else 0.2
        results.append(Result(name, ours / baseline, target, {
            "docs": DOCS, "matches": found.total, "capped": found.capped, "partial": found.partial,
            "ours_ms": round(ours * 1000, 1), "baseline_ms": round(baseline * 1000, 1),
            "generated_s": round(seconds, 1)}))
    return results
