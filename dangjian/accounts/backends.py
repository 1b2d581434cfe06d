from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from dangjian.people import crypto
from dangjian.people import rules as people_rules


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or with the phone number of the person behind the account."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        username = username.strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            try:  # a phone number as people type it: spaces, full-width digits, a dash in a landline
                phone = people_rules.validate_phone(username)
            except ValueError:
                phone = None
            if phone:
                matches = list(User.objects.filter(person__phone_hash=crypto.blind_index(phone))[:2])
                user = matches[0] if len(matches) == 1 else None
        if user is None:
            User().set_password(password)  # same work whether or not the user exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
