from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("", views.agency_list, name="agency-list"),
    path("<int:pk>/", views.agency_detail, name="agency-detail"),
    path("can-bo/", views.staff_list, name="staff-list"),
    path("can-bo/them/", views.staff_create, name="staff-create"),
    path("can-bo/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("can-bo/<int:pk>/sua/", views.staff_update, name="staff-update"),
    path("can-bo/<int:pk>/nghi/", views.staff_leave, name="staff-leave"),
]
