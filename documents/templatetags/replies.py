"""Replies between agencies on the portal, for the pages of both ends: the sender sees which recipient answered
with which document, and the reply says which document it answers."""

from django import template

from documents import selectors

register = template.Library()


@register.simple_tag
def replies_received(outgoing):
    return selectors.replies_received(outgoing)


@register.filter
def for_delivery(replies, delivery_id):
    return replies.get(delivery_id, [])


@register.simple_tag
def incoming_answers(incoming):
    return selectors.incoming_answers(incoming)
