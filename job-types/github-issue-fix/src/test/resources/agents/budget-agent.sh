#!/bin/sh
# An agent that edits a file, then calls the model through Roomote's gateway until it is stopped. Each call is a
# raw HTTP request (socat), so nothing but the gateway's own answer decides what happens.
sed -i 's/return a - b/return a + b/' calc.py
url=${ROOMOTE_MODEL_BASE_URL#http://}
hostport=${url%%/*}
path=/${url#*/}
body='{"model":"scripted-model","messages":[{"role":"user","content":"fix it"}]}'
i=0
while [ $i -lt 30 ]; do
  i=$((i + 1))
  status=$(printf 'POST %s/chat/completions HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
    "$path" "$hostport" "$OPENROUTER_API_KEY" "${#body}" "$body" | socat -t 10 - "TCP:$hostport" | head -1)
  echo "model call $i: $status"
  sleep 1
done
