"""Reporting: statistics, the comparison of variants, its plots and DVC views."""
