from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from agencies.models import Agency, RecipientGroup, Unit
from devtools import demo
from schedules import services as schedule_services


class Command(BaseCommand):
    help = "Load the demo agencies, units, groups, one user per role per agency and one citizen (idempotent)."

    @transaction.atomic
    def handle(self, **options):
        people = iter(demo.PEOPLE)
        for code, name, short, parent, domain, uses_portal, units in demo.AGENCIES:
            agency, _ = Agency.objects.update_or_create(code=code, defaults={
                "name": name, "short_name": short, "official_email": f"vanphong@{domain}",
                "parent": Agency.objects.get(code=parent) if parent else None, "uses_portal": uses_portal,
                "address": "", "website": f"https://{domain}",
            })
            for unit_name, abbreviation in units:
                Unit.objects.update_or_create(agency=agency, abbreviation=abbreviation, defaults={
                    "name": unit_name, "official_email": f"{abbreviation.lower()}@{domain}"
                    if abbreviation.isascii() else "",
                })
            if not uses_portal:
                continue
            first_unit = agency.units.order_by("pk").first()
            for prefix, roles, position, public in demo.STAFF:
                email = f"{prefix}@{domain}"
                user = User.objects.filter(email=email).first() or User.objects.create_user(
                    email=email, password=demo.DEMO_PASSWORD, full_name=next(people), kind=User.Kind.STAFF
                )
                EmailAddress.objects.update_or_create(
                    user=user, email=email, defaults={"verified": True, "primary": True}
                )
                if prefix == "lanhdao":
                    position = demo.LEADER_TITLES.get(short, position)
                Membership.objects.update_or_create(user=user, agency=agency, defaults={
                    "unit": first_unit, "position": position, "official_email": email, "is_public": public,
                    **{field: False for field in Membership.ROLE_FIELDS.values()}, **roles,
                    "is_schedule_keeper": prefix == "vanthu",
                })
        for group_name, codes in demo.GROUPS:
            group, _ = RecipientGroup.objects.get_or_create(owner=None, name=group_name)
            group.members.set(Agency.objects.filter(code__in=codes))
        email, full_name = demo.CITIZEN
        citizen = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=demo.DEMO_PASSWORD, full_name=full_name, kind=User.Kind.CITIZEN
        )
        EmailAddress.objects.update_or_create(user=citizen, email=email, defaults={"verified": True, "primary": True})
        admin = User.objects.filter(email=demo.SUPERUSER).first() or User.objects.create_superuser(
            demo.SUPERUSER, demo.DEMO_PASSWORD, full_name="Quản trị cổng", kind=User.Kind.STAFF
        )
        EmailAddress.objects.update_or_create(user=admin, email=demo.SUPERUSER,
                                              defaults={"verified": True, "primary": True})
        self._publish_this_week()
        self.stdout.write(self.style.SUCCESS(
            f"demo data: {Agency.objects.count()} agencies, {Membership.objects.count()} staff posts; "
            f"password for every demo login: {demo.DEMO_PASSWORD}"
        ))

    def _publish_this_week(self):
        """The demo agency's schedule of the current week, published once (left alone when it exists)."""
        agency = Agency.objects.get(code=demo.SCHEDULE_AGENCY)
        keeper = Membership.objects.get(agency=agency, is_schedule_keeper=True)
        leader = Membership.objects.filter(agency=agency, is_leader=True).first()
        schedule = schedule_services.schedule_for_week(agency=agency, week_start=timezone.localdate(),
                                                       created_by=keeper.user)
        if schedule.version or schedule.entries.exists():
            return
        zone = timezone.get_default_timezone()
        for offset, start, end, content, place, internal in demo.SCHEDULE_ENTRIES:
            day = schedule.week_start + timedelta(days=offset)
            schedule_services.entry_add(
                membership=keeper, schedule=schedule, content=content, place=place, is_internal=internal,
                starts_at=datetime.combine(day, time.fromisoformat(start), tzinfo=zone),
                ends_at=datetime.combine(day, time.fromisoformat(end), tzinfo=zone) if end else None,
                chair=leader, chair_name=f"Đ/c {leader.user.full_name}, {leader.position}", leaders=[leader],
            )
        schedule_services.schedule_submit(membership=keeper, schedule=schedule)
        schedule_services.schedule_approve(membership=leader, schedule=schedule)
