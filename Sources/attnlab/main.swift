print("attnlab")
