from django.urls import path

from . import demo_services, views, views_mail

urlpatterns = [
    path("manage/certificate/", views.certificate_manage, name="certificate_manage"),
    path("manage/certificate/<int:pk>/certificate.pem", views.certificate_download, name="certificate_download"),
    path("manage/mail-signing/", views_mail.mail_signing_manage, name="mail_signing"),
    path("manage/certificate/seal.png", views.seal_image, name="seal_image"),
    # A leader's own signature: certificate, key store, PIN, signature image.
    path("signing/", views.my_signing, name="my_signing"),
    path("signing/signature.png", views.my_signature_image, name="my_signature_image"),
    # The demo CA's services (404 unless settings.PKI_TRUST_DEMO_CA); certificates name these URLs.
    path("pki/ocsp", demo_services.ocsp_responder, name="pki_ocsp"),
    path("pki/ocsp/<path:encoded>", demo_services.ocsp_responder, name="pki_ocsp_get"),
    path("pki/crl/demo-ca.crl", demo_services.crl, name="pki_crl"),
    path("pki/tsa", demo_services.tsa, name="pki_tsa"),
    path("pki/demo-ca.crt", demo_services.ca_certificate, name="pki_ca_certificate"),
    # Remote signing: the live state of one request (polled every 2 s) and its cancellation by the signer.
    path("pki/remote/<int:pk>/", views.remote_request_panel, name="remote_request_panel"),
    path("pki/remote/<int:pk>/cancel/", views.remote_request_cancel, name="remote_request_cancel"),
]
