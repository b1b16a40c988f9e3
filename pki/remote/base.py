"""The contract every remote signing provider implements: one small adapter per vendor API.

A provider signs a digest with a credential the person holds at the service, after the person confirms on their
own device. `start` asks, `poll` reads where the request stands, `cancel` withdraws it. Errors are SigningError
subclasses with a Vietnamese message; `RemoteUnavailable` means "no answer, try again later".
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ..errors import SigningError


class RemoteUnavailable(SigningError):
    default_message = _(
        "Không kết nối được dịch vụ ký số từ xa. Văn bản chưa được ký; hãy thử lại sau ít phút."
    )


class RemoteRejected(SigningError):
    """The service answered but refused the request (unknown credential, bad parameters, ...).

    `detail` keeps the service's own words for the record; the page shows the Vietnamese message."""

    default_message = _(
        "Dịch vụ ký số từ xa từ chối yêu cầu ký. Văn bản chưa được ký; đề nghị kiểm tra tài khoản ký số từ xa."
    )

    def __init__(self, detail=""):
        super().__init__()
        self.detail = detail


class RemoteNotConfigured(SigningError):
    default_message = _(
        "Cổng chưa được cấu hình dịch vụ ký số từ xa của chứng thư số này. Đề nghị quản trị hệ thống kiểm tra."
    )


class Outcome:
    """Where a request stands at the provider."""

    PENDING = "pending"
    SIGNED = "signed"
    REFUSED = "refused"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Poll:
    outcome: str                    # an Outcome
    signature: bytes | None = None  # the raw signature value, when SIGNED
    message: str = ""               # the provider's words, for the record


@dataclass(frozen=True)
class CredentialInfo:
    certificates: list = field(default_factory=list)  # DER bytes, the signer's certificate first, then its CAs
    key_algorithm: str = "rsa"                       # "rsa" or "ec"


class RemoteProvider(ABC):
    """One remote signing service, configured by settings.REMOTE_SIGNING_PROVIDERS[name]."""

    def __init__(self, name, config):
        self.name, self.config = name, config

    @abstractmethod
    def credentials(self, account) -> list[str]:
        """The credential ids the person `account` holds at the service."""

    @abstractmethod
    def credential_info(self, credential_id) -> CredentialInfo:
        """The certificate chain and key algorithm of a credential."""

    @abstractmethod
    def start(self, *, account, credential_id, digest, digest_algorithm="sha256", key_algorithm="rsa",
              description="") -> str:
        """Ask the person to confirm signing `digest`; returns the provider's request id at once."""

    @abstractmethod
    def poll(self, request_id) -> Poll:
        """Where the request stands; raises RemoteUnavailable when the service does not answer."""

    @abstractmethod
    def cancel(self, request_id) -> None:
        """Withdraw a pending request (best effort: the portal's record is what counts)."""

