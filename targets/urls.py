from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("don-vi/<int:pk>/", views.agency_attainment, name="agency"),
    path("don-vi/<int:pk>/chua-dat/<slug:code>/", views.not_counted, name="not-counted"),
    path("bao-cao-cham/", views.reporting, name="reporting"),
]
