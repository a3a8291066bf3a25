"""Cleaning rules, one module per kind of answer; each rule is named after its question."""
