#!/usr/bin/env python3
"""Writes payment statements in the providers' public formats for the tests.

  make.py wechat|alipay OUT [LINE ...]

Each LINE is KIND,MERCHANT_REF,YUAN,TIME[,STORE[,TXN[,REFUND_NO]]] with KIND
pay or refund and TIME "YYYY-MM-DD HH:MM:SS" (China Standard Time). WeChat
Pay: the trade bill (ALL) in UTF-8, its 27 columns, every value after a
backtick, the summary header and row. Alipay: the business statement
(业务明细) in GBK with its `#` header and footer lines. A test helper: the
same formats rahq's reader (app/core/domain/statement.c) reads.
"""
import sys

WX_HEAD = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,"
           "交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,"
           "商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
           "手续费,费率,订单金额,申请退款金额,费率备注")
ALI_HEAD = ("支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,"
            "操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,"
            "支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,"
            "卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注")


def lines(args):
    for i, a in enumerate(args):
        f = a.split(",")
        kind, mref, yuan, when = f[:4]
        store = f[4] if len(f) > 4 else ""
        txn = f[5] if len(f) > 5 and f[5] else "42000%015d" % (i + 1)
        rno = f[6] if len(f) > 6 and f[6] else "50300%015d" % (i + 1)
        yield kind, mref, yuan, when, store, txn, rno


def wechat(args):
    out = [WX_HEAD]
    n, settle, refund, total = 0, 0, 0, 0
    for kind, mref, yuan, when, store, txn, rno in lines(args):
        fen = round(float(yuan) * 100)
        pay = kind == "pay"
        v = [when, "wx8888888888888888", "1900000109", "", store, txn, mref,
             "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "NATIVE", "SUCCESS" if pay else "REFUND",
             "OTHERS", "CNY", "%.2f" % (fen / 100 if pay else 0), "0.00",
             "" if pay else rno, "" if pay else "R" + rno, "0.00" if pay else "%.2f" % (fen / 100),
             "0.00", "" if pay else "ORIGINAL", "" if pay else "SUCCESS", "数字证书服务费", "",
             "0.00000", "0.60%", "%.2f" % (fen / 100 if pay else 0),
             "0.00" if pay else "%.2f" % (fen / 100), ""]
        out.append(",".join("`" + x for x in v))
        n += 1
        settle += fen if pay else 0
        total += fen if pay else 0
        refund += 0 if pay else fen
    out.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
    out.append(",".join("`" + x for x in [str(n), "%.2f" % (settle / 100), "%.2f" % (refund / 100),
                                          "0.00", "0.00000", "%.2f" % (total / 100),
                                          "%.2f" % (refund / 100)]))
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def alipay(args):
    rows = list(lines(args))
    day = rows[0][3][:10] if rows else "2026-03-02"
    out = ["#支付宝业务明细查询", "#账号：[20881234567890120156]",
           "#起始日期：[%s 00:00:00]   终止日期：[%s 23:59:59]" % (day, day),
           "#-----------------------------------------业务明细列表----------------------------------------",
           ALI_HEAD]
    pays, refunds, net = 0, 0, 0
    for kind, mref, yuan, when, store, txn, rno in rows:
        pay = kind == "pay"
        amt = "%.2f" % float(yuan)
        v = ["2026%016d" % int(txn[-8:]) if txn.startswith("42000") else txn, mref,
             "交易" if pay else "退款", "数字证书服务费", when, when, store, "注册点", "", "",
             "buy***@example.com", amt if pay else "-" + amt, amt if pay else "-" + amt,
             "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00",
             "" if pay else rno, "0.00", "0.00", ""]
        out.append(",".join(x + "\t" for x in v))
        pays += pay
        refunds += not pay
        net += round(float(yuan) * 100) * (1 if pay else -1)
    out += ["#-----------------------------------------业务明细列表结束------------------------------------",
            "#交易合计：%d笔，商家实收共%.2f元，商家优惠共0.00元" % (pays, net / 100),
            "#退款合计：%d笔，商家实收退款共0.00元，商家优惠退款共0.00元" % refunds,
            "#导出时间：[%s 09:00:00]" % day]
    return ("\r\n".join(out) + "\r\n").encode("gbk")


if __name__ == "__main__":
    data = (wechat if sys.argv[1] == "wechat" else alipay)(sys.argv[3:])
    with open(sys.argv[2], "wb") as f:
        f.write(data)
