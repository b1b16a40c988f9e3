"""Keeping the index current: every searchable item's save and delete, its assignments (the handlers are
searchable) and ocr's text_ready for its files. Connected in SearchConfig.ready()."""

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from . import indexing

UID = "search-index"


def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        indexing.entry_update(instance)


def _deleted(sender, instance, **kwargs):
    indexing.entry_remove(sender, instance.pk)


def _assignment_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        indexing.entry_update(instance.incoming)


def _schedule_version_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        indexing.entry_update(instance.schedule)


def _text_ready(sender, file_text, **kwargs):
    owner = indexing.file_text_owner(file_text)
    if owner is not None:
        indexing.entry_update(owner)


def connect():
    for source in indexing.SOURCES.values():
        model = source.model_class()
        if model is None:
            continue
        post_save.connect(_saved, sender=model, dispatch_uid=f"{UID}-save-{source.kind}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{UID}-delete-{source.kind}")
    post_save.connect(_assignment_saved, sender=apps.get_model("documents", "Assignment"),
                      dispatch_uid=f"{UID}-assignment")
    post_save.connect(_schedule_version_saved, sender=apps.get_model("schedules", "ScheduleVersion"),
                      dispatch_uid=f"{UID}-schedule-version")
    try:
        from ocr.signals import text_ready
    except ImportError:
        return
    text_ready.connect(_text_ready, dispatch_uid=f"{UID}-text")
