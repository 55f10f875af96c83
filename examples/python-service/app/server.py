"""HTTP API: GET /healthz, POST /predict {"rows": [[5.1, 3.5, 1.4, 0.2], ...]}."""

import os

from flask import Flask, jsonify, request

from app.model import Model


def create_app(model=None):
    app = Flask(__name__)
    app.config["MODEL"] = model or Model.load_or_train()

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.post("/predict")
    def predict():
        body = request.get_json(silent=True) or {}
        rows = body.get("rows")
        if not isinstance(rows, list) or not rows:
            return jsonify(error='expected {"rows": [[4 numbers], ...]}'), 400
        try:
            predictions = app.config["MODEL"].predict(rows)
        except (ValueError, TypeError) as err:
            return jsonify(error=str(err)), 400
        return jsonify(predictions=predictions)

    return app


if __name__ == "__main__":
    create_app().run(host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
