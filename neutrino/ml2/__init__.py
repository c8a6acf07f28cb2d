"""Modular Layer 2: type drivers (segments) and mechanism drivers (capabilities, binding)."""
