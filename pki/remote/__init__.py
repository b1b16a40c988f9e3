"""Remote signing (docs/signatures.md): the person's key stays with a signing service, they confirm on their phone.

`base` is the adapter contract, `csc` the Cloud Signature Consortium API v2 adapter, `services` the actions on a
RemoteSigningRequest (start, poll, cancel) and the registry of handlers called when one ends.
"""
