from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dangjian.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from .authentication import forget_tokens

        def token_deleted(sender, instance, **kwargs):
            forget_tokens([instance.key])

        def user_saved(sender, instance, **kwargs):
            forget_tokens(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True))

        post_delete.connect(token_deleted, sender=Token, weak=False, dispatch_uid="api-token-deleted")
        post_save.connect(user_saved, sender=get_user_model(), weak=False, dispatch_uid="api-user-saved")
