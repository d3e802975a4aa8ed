import os

from flask import Flask, jsonify

from config import DATABASE_URL

app = Flask(__name__)


@app.get("/api/health")
def health():
    return jsonify(status="ok", database=bool(DATABASE_URL))


@app.get("/api/transactions")
def transactions():
    return jsonify([])


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
