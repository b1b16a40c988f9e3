"""`field__any_of=[ids]`: the field is one of the ids, given to PostgreSQL as one array parameter (`= ANY(%s)`,
which is how PostgreSQL plans `IN (…)` anyway). A report rolled up over a ministry's hundred agencies asks
`agency_id__in` of each of its queries: Django prepares every id of an `__in` one by one, and psycopg parses a
query of hundreds of placeholders anew each time (too long for its cache), most of the time those queries took.
Elsewhere (SQLite) it is an `IN (…)` of the ids. Registered on every field, foreign keys included (they take only
the lookups registered on ForeignObject), when this module is imported."""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not self.rhs:
            return "1 = 0", []
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", (*lhs_params, *self.rhs)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, self.rhs)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
