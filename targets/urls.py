from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    # Leaders' dashboards (issue 4).
    path("don-vi/<int:pk>/", views.agency_attainment, name="agency"),
    path("don-vi/<int:pk>/chua-dat/<slug:code>/", views.not_counted, name="not-counted"),
    path("don-vi/<int:pk>/chua-dat/<slug:code>/moi/", views.not_counted_invite, name="not-counted-invite"),
    path("bao-cao-cham/", views.reporting, name="reporting"),
    path("tong-ket/", views.results, name="results"),
    # Officers' pages (issue 5): aggregate reports, the person page, training needs.
    path("bao-cao/", views.report_list, name="report-list"),
    path("bao-cao/nhap/", views.report_create, name="report-create"),
    path("bao-cao/<int:pk>/sua/", views.report_update, name="report-update"),
    path("bao-cao/<int:pk>/xoa/", views.report_delete, name="report-delete"),
    path("can-bo/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("don-vi/<int:pk>/can-dao-tao/", views.training_needs, name="training-needs"),
]
