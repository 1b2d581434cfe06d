from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]

# Posts (职务) of an organisation: list, appoint, end a term.
from . import posts_views  # noqa: E402

urlpatterns += [
    path("posts/org/<int:pk>/", posts_views.org_posts, name="posts"),
    path("posts/org/<int:pk>/appoint/", posts_views.appoint, name="post_appoint"),
    path("posts/<int:pk>/end/", posts_views.end_post, name="post_end"),
]
