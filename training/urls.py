from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.course_list, name="course-list"),
    path("khoa-hoc/them/", views.course_create, name="course-create"),
    path("khoa-hoc/<int:pk>/", views.course_detail, name="course-detail"),
    path("khoa-hoc/<int:pk>/sua/", views.course_update, name="course-update"),
    path("khoa-hoc/<int:pk>/hoc-vien/them/", views.participant_add, name="participant-add"),
    path("khoa-hoc/<int:pk>/hoc-vien/ket-qua/", views.participant_results, name="participant-results"),
    path("hoc-vien/<int:pk>/xoa/", views.participant_remove, name="participant-remove"),
]
