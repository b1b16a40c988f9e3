from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/export.xlsx", views.search_export, name="search_export"),
    path("search/saved/", views.saved_search_list, name="saved_search_list"),
    path("search/saved/new/", views.saved_search_create, name="saved_search_create"),
    path("search/saved/<int:pk>/delete/", views.saved_search_delete, name="saved_search_delete"),
]
