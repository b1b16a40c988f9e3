from django.http import Http404


def traffic_log(request):
    raise Http404


incident_list = incident_resolve = usage_report = traffic_log
