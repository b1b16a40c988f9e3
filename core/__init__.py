"""Shared lowest layer: plain Python every app may import (no models, imports nothing from the apps)."""
