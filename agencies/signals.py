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


# What the directory shows of a person (agencies.directory): a save naming none of these leaves it as it was.
_USER_FIELDS_SHOWN = {"full_name", "is_active"}


def _user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or not instance.pk or (update_fields is not None and not _USER_FIELDS_SHOWN & set(update_fields)):
        return  # e.g. last_login, written at every login
    directory_refresh(Membership.objects.filter(user=instance).values_list("agency_id", flat=True))


def connect():
    uid = "agencies.directory"
    post_save.connect(_agency_saved, sender=Agency, dispatch_uid=f"{uid}.agency")
    for model in (Unit, Membership):
        post_save.connect(_of_agency, sender=model, dispatch_uid=f"{uid}.{model.__name__}.save")
        post_delete.connect(_of_agency, sender=model, dispatch_uid=f"{uid}.{model.__name__}.delete")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid=f"{uid}.user")
