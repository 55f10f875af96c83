import pytest

from app.model import Model
from app.server import create_app


@pytest.fixture(scope="module")
def client():
    return create_app(Model.train()).test_client()


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_predict_known_flowers(client):
    rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
    got = client.post("/predict", json={"rows": rows}).get_json()["predictions"]
    assert [p["label"] for p in got] == ["setosa", "virginica"]
    assert all(0.5 < p["probability"] <= 1.0 for p in got)


def test_predict_rejects_bad_rows(client):
    assert client.post("/predict", json={"rows": [[1, 2]]}).status_code == 400
    assert client.post("/predict", json={}).status_code == 400


def test_save_and_load(tmp_path, monkeypatch):
    path = tmp_path / "model.joblib"
    Model.train().save(path)
    monkeypatch.setenv("MODEL_PATH", str(path))
    assert Model.load_or_train().predict([[5.1, 3.5, 1.4, 0.2]])[0]["label"] == "setosa"
