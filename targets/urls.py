from django.urls import path

from . import person_views, report_views, views

app_name = "targets"

urlpatterns = [
    # Leaders' dashboards (issue 4).
    path("don-vi/<int:pk>/", views.agency_attainment, name="agency"),
    path("don-vi/<int:pk>/chua-dat/<slug:code>/", views.not_counted, name="not-counted"),
    path("bao-cao-cham/", views.reporting, name="reporting"),
    # Officers' pages (issue 5): aggregate reports, the person page, training needs.
    path("bao-cao/", report_views.report_list, name="report-list"),
    path("bao-cao/nhap/", report_views.report_create, name="report-create"),
    path("bao-cao/<int:pk>/sua/", report_views.report_update, name="report-update"),
    path("bao-cao/<int:pk>/xoa/", report_views.report_delete, name="report-delete"),
    path("can-bo/<int:pk>/", person_views.staff_detail, name="staff-detail"),
    path("don-vi/<int:pk>/can-dao-tao/", person_views.training_needs, name="training-needs"),
]
