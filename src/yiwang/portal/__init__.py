"""The web pages of every app: views, URL configurations, forms, templates, template
tags and static files (decision 0011). An app holds its domain, API and selectors;
the portal calls them and renders: `views_public`, `views_centre`, `views_workbench`
and `views_kiosk` for the approval system (catalog and cases), `views_credit` for
credit publicity.
"""
