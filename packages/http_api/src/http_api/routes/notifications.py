"""Admin notifications list, provider feed tokens and the .ics calendar feed (notifications issue)."""

from fastapi import APIRouter

router = APIRouter()
