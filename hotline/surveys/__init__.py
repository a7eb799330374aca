"""Questionnaires (问卷/民意调查): the definition a designer edits and publishes as immutable versions,
public web answering by one-time token or open link, results (tallies, cross-tabs, word
frequencies) and exchange formats (JSON, LimeSurvey .lss, CSV/XLSX/SPSS .sav)."""
