"""How it looks on a map: classes and colours, framing, the folium map and its layers, the static
picture.
"""
