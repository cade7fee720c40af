from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("", views.agency_list, name="agency-list"),
    path("<int:pk>/", views.agency_detail, name="agency-detail"),
    path("can-bo/<int:pk>/", views.staff_detail, name="staff-detail"),
]
