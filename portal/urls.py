from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.forms import AdminSignInForm, SignInForm

from . import health, views

admin.site.site_header = _("IT workforce portal – administration")
admin.site.site_title = _("IT workforce portal")
admin.site.index_title = _("Administration")
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
         name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    path("don-vi/", include("agencies.urls")),
    path("dao-tao/", include("training.urls")),
    path("chi-tieu/", include("targets.urls")),
    path("nhap-du-lieu/", include("portal.import_urls")),
    path("api/attainment.json", views.api_attainment, name="api-attainment"),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.health.server_error"
