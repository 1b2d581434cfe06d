from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy("Wrong username, phone number or password."),
        "inactive": gettext_lazy("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("Username or phone number")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "class": "form-control",
                                                     "autofocus": True})
        self.fields["password"].widget.attrs.update({"class": "form-control"})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home:home")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for field in form.fields.values():
            field.widget.attrs["class"] = "form-control"
        return form


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes calls this after too many failures; the API view handles its own case."""
    return render(request, "accounts/locked_out.html", status=429)
