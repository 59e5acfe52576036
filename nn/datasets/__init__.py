"""Data files shipped with nn (read them through ``nn.data``: ``load_iris()``, ``load_digits()``).

``iris.csv`` is R. A. Fisher's iris data (1936; measurements by Edgar Anderson),
150 flowers, 50 of each species, in the form used by R and scikit-learn (the
two values that the UCI copy has wrong in rows 35 and 38 are as in Fisher's paper).
Columns: sepal_length, sepal_width, petal_length, petal_width (cm), species.

``digits.csv.gz`` is the test set of the UCI "Optical Recognition of Handwritten
Digits" (E. Alpaydin and C. Kaynak, 1998, https://doi.org/10.24432/C50P49, CC BY
4.0): 1,797 images of 8x8 pixels 0..16 and their digit.  ``README.md`` here names
the source, the citation, the licence and what was changed.
"""
