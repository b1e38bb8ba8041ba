"""The instructor's solutions, one package per unit, same layout as exercises/.

講師用の模範解答。exercises/ と同じモジュール構成です。
"""
