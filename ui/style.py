"""Look of the touchscreen: large type, large targets (at least 90 px, about 15 mm at 1280x800)."""

from __future__ import annotations

TOUCH_MIN = 90

STYLESHEET = f"""
QWidget {{ font-size: 22px; color: #1b2430; }}
QMainWindow, QStackedWidget > QWidget {{ background: #f5f7fa; }}
QLabel#title {{ font-size: 38px; font-weight: 600; color: #0b3d91; }}
QLabel#subtitle {{ font-size: 26px; color: #33415c; }}
QLabel#error {{ font-size: 20px; color: #b00020; font-weight: 600; }}
QLabel#notice {{ font-size: 24px; color: #b00020; font-weight: 600; }}
QLabel#emergency {{ font-size: 140px; font-weight: 800; color: #ffffff; }}
QWidget#referred {{ background: #b00020; }}
QWidget#referred QLabel {{ color: #ffffff; }}
QPushButton {{
    min-height: {TOUCH_MIN}px; min-width: {TOUCH_MIN}px; font-size: 24px; padding: 6px 18px;
    border-radius: 12px; border: 2px solid #8fa3bf; background: #ffffff;
}}
QPushButton:pressed {{ background: #dbe7ff; }}
QPushButton:checked {{ background: #0b3d91; color: #ffffff; border-color: #0b3d91; }}
QPushButton:disabled {{ color: #9aa5b1; border-color: #d0d7e2; background: #eef1f5; }}
QPushButton[role="primary"] {{ background: #0b3d91; color: #ffffff; border-color: #0b3d91; font-weight: 600; }}
QPushButton[role="primary"]:disabled {{ background: #9aa5b1; border-color: #9aa5b1; }}
QPushButton[role="danger"] {{ background: #ffffff; color: #b00020; border-color: #b00020; }}
QLineEdit {{
    min-height: {TOUCH_MIN}px; font-size: 26px; padding: 0 14px; border-radius: 10px;
    border: 2px solid #8fa3bf; background: #ffffff;
}}
QLineEdit[invalid="true"] {{ border: 3px solid #b00020; }}
QPushButton[role="tile"] {{ min-height: 190px; padding: 4px; }}
QPushButton[role="tile"] QLabel {{ font-size: 22px; }}
QPushButton[role="tile"] QLabel:disabled {{ color: #9aa5b1; }}
QPushButton[role="tile"][alert="true"] {{ border: 4px solid #b00020; background: #fdecee; }}
QLabel#measure_value {{ font-size: 84px; font-weight: 700; color: #0b3d91; }}
QLabel#measure_value[alert="true"] {{ color: #b00020; }}
QLabel#live_value {{ font-size: 84px; font-weight: 700; color: #0b3d91; }}
QLabel#live_secondary {{ font-size: 44px; font-weight: 600; color: #33415c; }}
QLabel#measure_alerts {{
    font-size: 26px; font-weight: 700; color: #ffffff; background: #b00020;
    border-radius: 10px; padding: 10px 16px;
}}
QLabel#measure_error {{ font-size: 30px; font-weight: 600; color: #b00020; }}
QLabel#measure_instruction {{ font-size: 25px; }}
QLabel#warning {{ font-size: 24px; font-weight: 600; color: #8a4b00; }}
QFrame#still_card {{ background: #ffffff; border: 2px solid #d0d7e2; border-radius: 10px; }}
QPushButton[role="check"] {{ text-align: left; padding-left: 28px; }}
QPushButton[role="check"][done="true"] {{
    background: #e3f4e8; border: 3px solid #1b7a3a; color: #14532d; font-weight: 600;
}}
QLabel#call_position {{ font-size: 44px; font-weight: 700; color: #0b3d91; }}
QLabel#call_error {{ font-size: 26px; font-weight: 600; color: #b00020; }}
QLabel#call_banner {{
    font-size: 26px; font-weight: 700; color: #ffffff; background: #8a4b00;
    border-radius: 10px; padding: 10px 16px;
}}
QLabel#call_doctor_name {{ font-size: 26px; font-weight: 700; color: #0b3d91; }}
QFrame#request_card {{ background: #fff8e1; border: 3px solid #c77700; border-radius: 12px; }}
QFrame#request_card QPushButton {{ padding: 6px 10px; }}
QLabel#request_what {{ font-size: 28px; font-weight: 700; color: #1b2430; }}
QLabel#report_heading {{ font-size: 20px; font-weight: 700; color: #5c6b80; }}
QLabel#report_conclusion, QLabel#report_advice {{ font-size: 30px; }}
QLabel#report_prescription {{ font-size: 28px; }}
QLabel#report_observations {{ font-size: 20px; color: #33415c; }}
QLabel#report_orientation {{
    font-size: 30px; font-weight: 700; color: #0b3d91; background: #e6eefc;
    border-radius: 10px; padding: 10px 16px;
}}
QLabel#report_orientation[alert="true"] {{ color: #ffffff; background: #b00020; }}
QLabel#report_emergency {{ font-size: 96px; font-weight: 800; color: #b00020; }}
QScrollArea QScrollBar:vertical {{ width: 28px; }}
QScrollArea#report_scroll, QWidget#report_content, QScrollArea#request_scroll,
QWidget#request_cards {{ background: transparent; }}
QFrame#overlay {{ background: rgba(10, 20, 40, 200); }}
QFrame#dialog {{ background: #ffffff; border-radius: 18px; }}
"""
