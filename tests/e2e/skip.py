#!/usr/bin/env python3
"""Stands in for an e2e test whose prerequisites were left out of this build:
prints why and exits 77 (meson's SKIP). usage: skip.py REASON"""
import sys

print("skipped:", sys.argv[1])
sys.exit(77)
