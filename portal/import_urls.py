from django.urls import path

from . import import_views as views

app_name = "imports"

urlpatterns = [
    path("", views.import_index, name="index"),
    path("lich-su/", views.import_history, name="history"),
    path("lan/<int:pk>/", views.run_detail, name="run-detail"),
    path("lan/<int:pk>/ap-dung/", views.run_apply, name="run-apply"),
    path("lan/<int:pk>/huy/", views.run_cancel, name="run-cancel"),
    path("lan/<int:pk>/danh-dau-that-bai/", views.run_mark_failed, name="run-mark-failed"),
    path("lan/<int:pk>/dong-loi.xlsx", views.run_bad_rows, name="run-bad-rows"),
    path("lan/<int:pk>/tep-goc/", views.run_file, name="run-file"),
    path("khoa-hoc/<int:pk>/hoc-vien/", views.course_participants, name="course-participants"),
    path("<slug:kind>/", views.import_upload, name="upload"),
    path("<slug:kind>/mau.xlsx", views.import_template, name="template"),
]
