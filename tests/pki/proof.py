"""Independent proof of a signed PDF: poppler's pdfsig (NSS, with the given CAs trusted) and qpdf --check.

`prove(pdf_bytes, tmp_path, roots=[...])` returns a Proof: one PdfsigSignature per signature as pdfsig reports
it (valid, trusted, covers the whole document, subfilter, field, reason, location) and qpdf's verdict. Roots are
cryptography or asn1crypto certificates, or PEM bytes.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader


@dataclass
class PdfsigSignature:
    number: int
    field_name: str = ""
    signer: str = ""
    signing_time: str = ""
    subfilter: str = ""
    reason: str = ""
    location: str = ""
    signature_status: str = ""
    certificate_status: str = ""
    whole_document: bool = False
    signed: bool = True
    raw: str = ""

    @property
    def valid(self):
        return self.signature_status == "Signature is Valid."

    @property
    def trusted(self):
        return self.certificate_status == "Certificate is Trusted."


@dataclass
class Proof:
    signatures: list[PdfsigSignature] = field(default_factory=list)
    pdfsig_output: str = ""
    qpdf_ok: bool = False
    qpdf_output: str = ""
    # field names of the document timestamps (/DocTimeStamp, ETSI.RFC3161), as pyHanko reads the file
    document_timestamp_fields: set = field(default_factory=set)

    @property
    def signer_signatures(self):
        """pdfsig's rows of the CMS signatures (not document timestamps, not empty signature fields)."""
        return [s for s in self.signatures if s.signed and s.field_name not in self.document_timestamp_fields]

    @property
    def document_timestamps(self):
        return [s for s in self.signatures if s.field_name in self.document_timestamp_fields]

    @property
    def all_valid_and_trusted(self):
        """Every signature valid with a trusted certificate. poppler 22.12 (Debian 12) cannot check document timestamps
        ("Signature Type: unknown", "Unimplemented Feature"): a B-LTA file fails this; see signers_valid_and_trusted."""
        signed = [s for s in self.signatures if s.signed]
        return bool(signed) and all(s.valid and s.trusted for s in signed)

    @property
    def signers_valid_and_trusted(self):
        return bool(self.signer_signatures) and all(s.valid and s.trusted for s in self.signer_signatures)

    def summary(self):
        rows = [f"#{s.number} {s.field_name} {s.subfilter} {s.signature_status} {s.certificate_status} "
                f"whole={s.whole_document}" for s in self.signatures]
        return "\n".join([*rows, f"qpdf ok={self.qpdf_ok}"])


def _tool(name):
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is missing: `make test` installs poppler-utils, qpdf and libnss3-tools.")
    return path


def _pem(certificate):
    if isinstance(certificate, bytes):
        return certificate
    if hasattr(certificate, "public_bytes"):
        from cryptography.hazmat.primitives import serialization

        return certificate.public_bytes(serialization.Encoding.PEM)
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", certificate.dump())


def nss_db(directory, roots):
    """A fresh NSS database in `directory` with each root trusted for signing (certutil -t "CT,C,C")."""
    certutil = _tool("certutil")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run([certutil, "-N", "-d", f"sql:{directory}", "--empty-password"], check=True, capture_output=True)
    for index, root in enumerate(roots):
        path = directory / f"root{index}.pem"
        path.write_bytes(_pem(root))
        subprocess.run([certutil, "-A", "-d", f"sql:{directory}", "-n", f"root{index}", "-t", "CT,C,C",
                        "-a", "-i", str(path)], check=True, capture_output=True)
    return directory


_HEADER = re.compile(r"^Signature #(\d+):\s*$")
_FIELDS = {
    "Signature Field Name": "field_name", "Signer Certificate Common Name": "signer",
    "Signing Time": "signing_time", "Signature Type": "subfilter", "Signature Validation": "signature_status",
    "Certificate Validation": "certificate_status", "Reason": "reason", "Location": "location",
}


def parse_pdfsig(text):
    signatures = []
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            signatures.append(PdfsigSignature(number=int(header.group(1))))
            continue
        if not signatures:
            continue
        current = signatures[-1]
        current.raw += line + "\n"
        item = line.strip().lstrip("- ")
        if item == "Total document signed":
            current.whole_document = True
        if item == "The signature form field is not signed.":
            current.signed = False
        key, sep, value = item.partition(":")
        if sep and key.strip() in _FIELDS:
            setattr(current, _FIELDS[key.strip()], value.strip())
    return signatures


def pdfsig(pdf_path, nssdir):
    result = subprocess.run([_tool("pdfsig"), "-nssdir", f"sql:{nssdir}", str(pdf_path)],
                            capture_output=True, timeout=120)
    return result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")


def qpdf_check(pdf_path):
    result = subprocess.run([_tool("qpdf"), "--check", str(pdf_path)], capture_output=True, timeout=120)
    output = result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")
    return result.returncode == 0 and "No syntax or stream encoding errors" in output, output


def prove(pdf_bytes, tmp_path, *, roots):
    """pdfsig's and qpdf's view of `pdf_bytes`, with `roots` trusted."""
    tmp_path = Path(tmp_path)
    pdf_path = tmp_path / "proof.pdf"
    pdf_path.write_bytes(pdf_bytes)
    nssdir = nss_db(tmp_path / "nss", roots)
    output = pdfsig(pdf_path, nssdir)
    ok, qpdf_output = qpdf_check(pdf_path)
    timestamps = {s.field_name for s in PdfFileReader(BytesIO(pdf_bytes), strict=False).embedded_timestamp_signatures}
    return Proof(signatures=parse_pdfsig(output), pdfsig_output=output, qpdf_ok=ok, qpdf_output=qpdf_output,
                 document_timestamp_fields=timestamps)
