"""Keep the public directory's columns (agencies.directory) current when what it shows changes."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from accounts.models import Membership

from .directory import directory_refresh
from .models import Agency, Unit


def _agency_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        directory_refresh([instance.pk])


def _of_agency(sender, instance, raw=False, **kwargs):
    if not raw:
        directory_refresh([instance.agency_id])


def _user_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk:
        directory_refresh(Membership.objects.filter(user=instance).values_list("agency_id", flat=True))


def connect():
    uid = "agencies.directory"
    post_save.connect(_agency_saved, sender=Agency, dispatch_uid=f"{uid}.agency")
    for model in (Unit, Membership):
        post_save.connect(_of_agency, sender=model, dispatch_uid=f"{uid}.{model.__name__}.save")
        post_delete.connect(_of_agency, sender=model, dispatch_uid=f"{uid}.{model.__name__}.delete")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid=f"{uid}.user")
