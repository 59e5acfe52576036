"""Data files shipped with nn (read them through ``nn.data``, e.g. ``load_iris()``).

``iris.csv`` is R. A. Fisher's iris data (1936; measurements by Edgar Anderson),
150 flowers, 50 of each species, in the form used by R and scikit-learn (the
two values that the UCI copy has wrong in rows 35 and 38 are as in Fisher's paper).
Columns: sepal_length, sepal_width, petal_length, petal_width (cm), species.
"""
