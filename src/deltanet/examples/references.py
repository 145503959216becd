"""The five lecture decks that deltanet implements, as citations.

The docstrings, the examples and the documentation cite them by their short labels (the keys of
``DECKS``: "Suk 2015", "Hosny et al."); ``docs/references.md`` lists them in full.

Examples:
    >>> from deltanet.examples.references import DECKS
    >>> DECKS["Suk 2015"].split(" (")[0]
    'Heung-Il Suk'
"""

#: short label -> full citation (author, title, course, place, date)
DECKS = {
    "de Back 2018": (
        "Walter de Back, Neural networks: basics of deep learning, Deep Learning Bootcamp, Institute for "
        "Medical Informatics and Biometry, Carl Gustav Carus Faculty of Medicine, TU Dresden, 25 September 2018"
    ),
    "Hosny et al.": (
        "Ahmed Hosny, Chintan Parmar, John Quackenbush, Lawrence H. Schwartz and Hugo J. W. L. Aerts, "
        "Deep Learning Intuition, lecture slides (undated)"
    ),
    "Ibragimov": (
        "Bulat Ibragimov, Machine learning: Neural networks, Department of Computer Science, "
        "University of Copenhagen, lecture slides (undated)"
    ),
    "Suk 2015": (
        "Heung-Il Suk (with S. Kevin Zhou and Hien Van Nguyen), Introduction to Neural Networks and Deep "
        "Learning, tutorial at MICCAI 2015 (18th International Conference on Medical Image Computing and "
        "Computer Assisted Intervention), Munich, 5 October 2015"
    ),
    "Desrosiers 2024": (
        "Christian Desrosiers (ÉTS Montréal), Basics of deep learning, part 3, DLMI 2024 (Deep Learning "
        "for Medical Imaging school), Montréal, 8-12 July 2024"
    ),
}

__all__ = ["DECKS"]
