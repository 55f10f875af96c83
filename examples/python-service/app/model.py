"""The model: trained at start from the iris data that scikit-learn ships, or loaded from a file.

No download happens at run time: ``load_iris`` reads a CSV inside the scikit-learn package.
Set ``MODEL_PATH`` to a joblib file to load a model instead of training one.
"""

import os

import joblib
import numpy as np
from scipy.special import softmax
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


class Model:
    def __init__(self, pipeline, class_names):
        self.pipeline = pipeline
        self.class_names = list(class_names)

    @classmethod
    def train(cls, seed=0):
        iris = load_iris()
        pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500, random_state=seed))
        pipeline.fit(iris.data, iris.target)
        return cls(pipeline, iris.target_names)

    @classmethod
    def load_or_train(cls):
        path = os.environ.get("MODEL_PATH")
        if path and os.path.exists(path):
            pipeline, names = joblib.load(path)
            return cls(pipeline, names)
        return cls.train()

    def save(self, path):
        joblib.dump((self.pipeline, self.class_names), path)

    def predict(self, rows):
        x = np.asarray(rows, dtype=float)
        if x.ndim != 2 or x.shape[1] != 4:
            raise ValueError("each row needs 4 numbers: sepal length, sepal width, petal length, petal width")
        scores = self.pipeline.decision_function(x)
        probabilities = softmax(scores, axis=1)
        labels = probabilities.argmax(axis=1)
        return [
            {"label": self.class_names[i], "probability": round(float(p[i]), 4)}
            for i, p in zip(labels, probabilities)
        ]
