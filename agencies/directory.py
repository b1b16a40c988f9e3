"""The public directory's search columns on Agency, kept current, so that a page of the directory reads a page of
agencies and its search is one indexed query, whatever the number of agencies (the national hub lists over
100,000).

Each agency keeps the names of the active agencies above it (`directory_path`, top first, as the tree shows them:
an inactive agency cuts the path, its children are roots), how deep that is, its folded name (the order of a
search's results) and `directory_text`: every text the search looks in — the agency's own (name, short name,
code, official address), the path above it, each active unit, each public official — each written folded and with the
abbreviations expanded (core.text.fold / expand), the pieces apart by "|", which folding never writes, so a
query never matches across two of them. PostgreSQL finds `LIKE '%…%'` in it through a trigram index (migration
agencies.0007). A trigram needs three letters: a query of one or two is answered from DirectoryWord instead, each
active agency's folded name from each of its words on and its folded short name, whose index (migration
agencies.0010) reads the agencies with a word beginning with those letters in order, however many there are.

Saving an agency, a unit, a membership or a user refreshes the agencies concerned (signals in apps.py), and an
agency's refresh goes down to the agencies under it only as far as their paths changed. Bulk writes that skip
the signals (queryset.update, bulk_create, raw SQL): `manage.py directory_reindex`.
"""

import json

from django.apps import apps as django_apps
from django.db import connection

from core.text import expand, fold

SEPARATOR = "|"
FIELDS = ("search_text", "directory_path", "directory_depth", "directory_name", "directory_text")
BATCH = 2000
# What an agency's DirectoryWord rows are made of (search_text holds the short name): a change rewrites them.
WORDS_FROM = ("directory_name", "search_text")


def _both(text):
    folded = fold(text)
    return f"{folded}{SEPARATOR}{expand(folded)}"


def directory_text(search_text, path, units, officials):
    """The folded pieces of one agency: own text, path, units (name, abbreviation, address), officials (name,
    position, official address)."""
    pieces = [search_text, " ".join(path)]
    pieces += [f"{name} {abbreviation} {email}" for name, abbreviation, email in units]
    pieces += [f"{full_name} {position} {email}" for full_name, position, email in officials]
    return SEPARATOR.join(_both(piece) for piece in pieces)


def directory_words(name, short_name):
    """The DirectoryWord texts of an active agency: its folded name from each word on, its folded short name."""
    words = fold(name).split()
    texts = {" ".join(words[start:])[:255] for start in range(len(words))}
    return sorted(texts | {fold(short_name)[:255]} - {""})


def _units_of(apps, ids):
    found = {}
    rows = (apps.get_model("agencies", "Unit").objects.filter(agency_id__in=ids, is_active=True)
            .values_list("agency_id", "name", "abbreviation", "official_email"))
    for agency_id, *unit in rows:
        found.setdefault(agency_id, []).append(unit)
    return found


def _officials_of(apps, ids):
    """The public officials as the directory lists them (selectors.public_officials)."""
    found = {}
    rows = (apps.get_model("accounts", "Membership").objects
            .filter(agency_id__in=ids, is_active=True, user__is_active=True, is_public=True)
            .exclude(official_email="").values_list("agency_id", "user__full_name", "position", "official_email"))
    for agency_id, *official in rows:
        found.setdefault(agency_id, []).append(official)
    return found


def _path_below(agency):
    """The path the children of `agency` (a dict of its row) carry: theirs plus its name, or none when inactive."""
    return [*agency["directory_path"], agency["name"]] if agency["is_active"] else []


def _refresh_batch(apps, ids):
    """Refresh these agencies; {pk: the path below it} of each."""
    Agency = apps.get_model("agencies", "Agency")
    fields = ("pk", "parent_id", "name", "short_name", "code", "official_email", "is_active", "search_text",
              "directory_path", "directory_text",
              "directory_depth", "directory_name")
    rows = list(Agency.objects.filter(pk__in=ids).values(*fields))
    parents = {row["pk"]: row for row in Agency.objects.filter(
        pk__in={row["parent_id"] for row in rows if row["parent_id"]}).values("pk", "name", "is_active",
                                                                             "directory_path")}
    units, officials = _units_of(apps, ids), _officials_of(apps, ids)
    DirectoryWord = _word_model(apps)
    worded = set(DirectoryWord.objects.filter(agency_id__in=ids).values_list("agency_id", flat=True).distinct()
                 if DirectoryWord else ())
    changed, below, words = [], {}, {}
    for row in rows:
        parent = parents.get(row["parent_id"])
        path = _path_below(parent) if parent else []
        # Agency.build_search_text, for rows a bulk write left behind
        search_text = fold(f"{row['name']} {row['short_name']} {row['code']} {row['official_email']}")
        fresh = {"search_text": search_text, "directory_path": path, "directory_depth": len(path),
                 "directory_name": fold(row["name"])[:255],
                 "directory_text": directory_text(search_text, path, units.get(row["pk"], ()),
                                                  officials.get(row["pk"], ()))}
        if any(row[name] != value for name, value in fresh.items()):
            changed.append(Agency(pk=row["pk"], **fresh))
        if DirectoryWord and (row["is_active"] != (row["pk"] in worded)
                              or any(row[name] != fresh[name] for name in WORDS_FROM)):
            words[row["pk"]] = directory_words(row["name"], row["short_name"]) if row["is_active"] else []
        below[row["pk"]] = _path_below({**row, **fresh})
    if changed:
        _write(Agency, changed)
    if words:
        words_write(apps, words)
    return below


def _word_model(apps):
    """DirectoryWord, or None in the migrations before it (0007 reindexes with the models of its time)."""
    try:
        return apps.get_model("agencies", "DirectoryWord")
    except LookupError:
        return None


def words_write(apps, words):
    """Replace the DirectoryWord rows of these agencies ({pk: texts}): one DELETE and one INSERT … unnest on
    PostgreSQL, the ORM elsewhere."""
    DirectoryWord = apps.get_model("agencies", "DirectoryWord")
    DirectoryWord.objects.filter(agency_id__in=list(words)).delete()
    pairs = [(pk, text) for pk, texts in words.items() for text in texts]
    if connection.vendor != "postgresql":
        DirectoryWord.objects.bulk_create([DirectoryWord(agency_id=pk, text=text) for pk, text in pairs],
                                          batch_size=500)
        return
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {DirectoryWord._meta.db_table} (agency_id, text) "
                       "SELECT * FROM unnest(%s::bigint[], %s::text[])",
                       [[pk for pk, _text in pairs], [text for _pk, text in pairs]])


def _write(Agency, changed):
    """Write the refreshed columns: one UPDATE … FROM unnest(…) on PostgreSQL (bulk_update's CASE per row is slow
    by the thousand), bulk_update elsewhere."""
    if connection.vendor != "postgresql":
        Agency.objects.bulk_update(changed, list(FIELDS), batch_size=500)
        return
    columns = [[agency.pk for agency in changed]]
    columns += [[json.dumps(getattr(a, name)) if name == "directory_path" else getattr(a, name) for a in changed]
                for name in FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE {Agency._meta.db_table} a SET search_text = t.search_text, directory_path = t.directory_path::jsonb,
                directory_depth = t.directory_depth, directory_name = t.directory_name,
                directory_text = t.directory_text
            FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::smallint[], %s::text[], %s::text[])
                AS t(id, search_text, directory_path, directory_depth, directory_name, directory_text)
            WHERE a.id = t.id""", columns)


def directory_refresh(agency_ids, apps=django_apps, whole_tree=False):
    """Refresh the directory columns of these agencies and, as far as their paths changed, of those below.
    `whole_tree`: refresh every agency below as well (what a reindex does)."""
    Agency = apps.get_model("agencies", "Agency")
    frontier, seen = list(dict.fromkeys(pk for pk in agency_ids if pk)), set()
    while frontier:
        below = {}
        for start in range(0, len(frontier), BATCH):
            below.update(_refresh_batch(apps, frontier[start:start + BATCH]))
        seen.update(frontier)
        children = Agency.objects.filter(parent_id__in=list(below)).values_list("pk", "parent_id", "directory_path")
        frontier = [pk for pk, parent_id, path in children
                    if pk not in seen and (whole_tree or path != below[parent_id])]


def directory_reindex(apps=django_apps):
    """Every agency, roots first."""
    Agency = apps.get_model("agencies", "Agency")
    directory_refresh(Agency.objects.filter(parent__isnull=True).values_list("pk", flat=True), apps,
                      whole_tree=True)
