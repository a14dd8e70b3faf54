"""Lessons: per page, a frozen configuration (its defaults the lecture's example, its validation in one
place) and a pure build(config) returning what the page shows: numbers, figures and text. No Streamlit:
a lesson is tested as a plain function, pages only draw it."""
